/** Metrics of one evaluated split, as `charrnn train` writes them into `metrics.json`. */
export interface ReportSection {
  /** Fraction of names classified correctly. */
  accuracy: number;
  /** Unweighted mean of per-class F1 (classes without support excluded). */
  macro_f1: number;
  /** Unweighted mean of per-class recall (classes without support excluded). */
  balanced_accuracy: number;
  /** Number of names evaluated. */
  count: number;
  /** One row per label, in label order. */
  per_class: { label: string; precision: number; recall: number; f1: number; support: number }[];
  /** Confusion counts, `confusion[true][predicted]`, in label order. */
  confusion: number[][];
}

/** One line of the training history: train loss and, when a val split exists, val metrics. */
export interface EpochRecord {
  epoch: number;
  step: number;
  loss: number;
  val_accuracy?: number;
  val_macro_f1?: number;
  val_balanced_accuracy?: number;
}

/** Accuracy, macro-F1 and balanced accuracy of one model on one split. */
export interface ScoreSummary {
  accuracy: number;
  macro_f1: number;
  balanced_accuracy: number;
}

/** The n-gram head of a run, as `metrics.json` records it under `ngram`. */
export interface NgramReport {
  /** Longest n-gram. */
  max_n: number;
  /** Mixture weight of the head. */
  weight: number;
  /** Number of n-grams in the head. */
  grams: number;
  /** Seconds spent fitting the head. */
  fit_seconds: number;
  /** The recurrent network alone, before any logit adjustment. */
  recurrent_only: { val?: ScoreSummary; test?: ScoreSummary };
  /** The n-gram head alone, before any logit adjustment. */
  ngram_only: { val?: ScoreSummary; test?: ScoreSummary };
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
  ngram?: NgramReport | null;
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
