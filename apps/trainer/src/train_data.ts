import { defaultCorpus, stratifiedSplit, type LabeledName } from '@charrnn/data';
import { loadCorpus } from '@charrnn/data/node';
import { formatReportLine } from './report.js';
import type { TrainConfig } from './train_config.js';

/** The names of a run, by split, and where they came from. */
export interface DataSplits {
  train: LabeledName[];
  val: LabeledName[];
  test: LabeledName[];
  /** `--data`, or the embedded corpus. */
  source: string;
}

async function loadItems(file: string, what: string, log: (line: string) => void): Promise<LabeledName[]> {
  const { corpus, report } = await loadCorpus(file);
  log(`${what}: ${formatReportLine(file, report)}`);
  return corpus.items;
}

/**
 * The splits `--data`, `--val` and `--test` name: without `--val`, 10% of `--data` (stratified,
 * seeded); without `--data`, the embedded corpus split 80/10/10. Logs what it read.
 */
export async function loadSplits(config: TrainConfig, log: (line: string) => void): Promise<DataSplits> {
  if (config.data === null) {
    const corpus = defaultCorpus();
    const split = stratifiedSplit(corpus.items, { val: 0.1, test: 0.1, seed: config.seed });
    log(
      `data: embedded default corpus, ${corpus.items.length} names in ${corpus.labels.length} labels (split 80/10/10, seed ${config.seed})`,
    );
    return {
      train: split.train,
      val: config.val === null ? split.val : await loadItems(config.val, 'val', log),
      test: config.test === null ? split.test : await loadItems(config.test, 'test', log),
      source: 'embedded default corpus',
    };
  }
  const items = await loadItems(config.data, 'data', log);
  let train = items;
  let val: LabeledName[] = [];
  if (config.val !== null) {
    val = await loadItems(config.val, 'val', log);
  } else {
    const split = stratifiedSplit(items, { val: 0.1, test: 0, seed: config.seed });
    train = split.train;
    val = split.val;
    log(`val: no --val given, holding out ${val.length} names (10%, stratified, seed ${config.seed})`);
  }
  const test = config.test !== null ? await loadItems(config.test, 'test', log) : [];
  return { train, val, test, source: config.data };
}
