import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { TUTORIAL_ALPHABET } from '@charrnn/tokenizer';

// Placeholder page: proves the packages bundle for the browser. The demo itself is issue 5.
const status = document.getElementById('status');
await tf.ready();
if (status) {
  status.textContent = `Backend: ${tf.getBackend()} · tutorial alphabet of ${TUTORIAL_ALPHABET.length} symbols`;
}
