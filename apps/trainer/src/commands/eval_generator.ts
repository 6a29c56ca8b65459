import { readFile, stat } from 'node:fs/promises';
import { fileSystemHandler } from '@charrnn/core/node';
import { loadCorpus } from '@charrnn/data/node';
import { generatorBpc, loadGeneratorBundle } from '@charrnn/trainer';

/**
 * `charrnn eval` of a generator: bits per character (EOS counted) on names (a TSV or a directory
 * of `<Label>.txt`), or on a plain-text file for a text generator.
 */
export async function runEvalGenerator(dir: string, data: string, json: boolean): Promise<void> {
  const bundle = await loadGeneratorBundle(fileSystemHandler(dir));
  try {
    const info = await stat(data);
    const names = !info.isFile() || /\.(tsv|csv|zip)$/i.test(data);
    const result = names
      ? generatorBpc(bundle, { names: (await loadCorpus(data)).corpus.items })
      : generatorBpc(bundle, { text: await readFile(data, 'utf8') });
    if (json)
      process.stdout.write(
        `${JSON.stringify({ data, bpc: result.bpc, chars: result.chars, skipped: result.skipped }, null, 2)}\n`,
      );
    else
      process.stdout.write(
        `bits per character: ${result.bpc.toFixed(4)} over ${result.chars} characters (EOS counted)` +
          (result.skipped > 0 ? `; ${result.skipped} names skipped (label unknown to the model)` : '') +
          '\n',
      );
  } finally {
    bundle.model.dispose();
  }
}
