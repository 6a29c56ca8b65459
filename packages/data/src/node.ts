export { loadCorpus, loadLabelDirectory, loadTsvFile, type LoadOptions } from './node/load_corpus.js';
export {
  fetchTutorialData,
  TUTORIAL_DATA_URL,
  type FetchTutorialDataOptions,
  type TutorialData,
} from './node/fetch_tutorial_data.js';
