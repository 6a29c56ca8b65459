import type { NgramReport, ReportSection } from '@charrnn/trainer';

// The split figures and the n-gram head as `trainClassifier` measures them (`RunMetrics`).
export type { NgramReport, ReportSection, ScoreSummary } from '@charrnn/trainer';

/** One line of the training history: train loss and, when a val split exists, val metrics. */
export interface EpochRecord {
  epoch: number;
  step: number;
  loss: number;
  val_accuracy?: number;
  val_macro_f1?: number;
  val_balanced_accuracy?: number;
}

/** Everything the run report shows; a superset-compatible view of `metrics.json`. */
export interface RunReportInput {
  /** Heading of the report and of the plots, e.g. the run directory name. */
  title: string;
  /** Class labels in model order (rows and columns of the confusion matrices). */
  labels: string[];
  /** Training history, one record per epoch. */
  epochs: EpochRecord[];
  /** Metrics on the validation split. */
  val?: ReportSection;
  /** Metrics on the test split; preferred over `val` for the confusion matrix and the table. */
  test?: ReportSection;
  /** Resolved run configuration, shown as a table. */
  config: Record<string, unknown>;
  /** Name of the tfjs backend that trained the model. */
  backend: string;
  /** Wall-clock training time in seconds. */
  train_seconds: number;
  /** Training throughput in names per second. */
  train_names_per_s: number;
  /** The n-gram head mixed into the model, when there is one. */
  ngram?: (Omit<NgramReport, 'train_loss'> & { train_loss?: number }) | null;
}

/** Absolute paths of the files {@link writeRunReport} wrote. */
export interface RunReportFiles {
  learningCurvesSvg: string;
  learningCurvesPng: string;
  /** Absent when the input has neither `test` nor `val`. */
  confusionSvg?: string;
  /** Absent when the input has neither `test` nor `val`. */
  confusionPng?: string;
  /** Absent when the input has neither `test` nor `val`. */
  perClassCsv?: string;
  html: string;
}
