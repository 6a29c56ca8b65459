/**
 * The page's words in English and French (`?lang=fr`, or the switch in the header). Elements
 * with `data-i18n="key"` get their text from here; code calls {@link t} for the rest. Values
 * given to {@link t} are inserted as text (the page sets them with `textContent`).
 */
export type Lang = 'en' | 'fr';

/** The languages the page speaks. */
export const LANGS: readonly Lang[] = ['en', 'fr'];

const EN = {
  tagline: 'a recurrent network reads a surname, one letter at a time, and guesses its language',
  langLabel: 'Page language',
  backendLabel: 'Prediction backend',
  backendAuto: 'auto (measured: wasm for small models)',
  introTitle: 'What is this?',
  intro:
    'A network with memory reads a sequence one step at a time. Here it reads a surname letter by letter, keeps what it has seen in its hidden state, and at the end says which language the name most likely comes from. Type a name below, or try one of these:',
  knownLanguages: 'The model knows {n} languages:',
  predictTitle: 'Predict as you type',
  nameLabel: 'Surname',
  namePlaceholder: 'e.g. Nguyen, Schmidt, Kowalski',
  typeAName: 'Type a surname to see what the model thinks.',
  readAs: 'read as “{name}”',
  readAsTyped: 'read as typed',
  notInAlphabet: "not in the model's alphabet (dropped or unknown): {chars}",
  cutTo: 'cut to the first {n} characters',
  nothingLeft: 'nothing left for the model to read',
  confident: 'Most likely {label} ({p}).',
  unsure: 'The model is unsure: {label} ({p}) or {second} ({q}).',
  noneOfThem:
    'This name looks like none of the {n} languages the model knows ({share} of its letter groups never appear in the training names); its best guess, {label} ({p}), means little.',
  lowConfidence:
    'This name looks like none of the {n} languages the model knows: its best guess, {label}, gets only {p}.',
  modelInfo: 'Model: {source} — {cell}, hidden {hidden}, embedding {embed}{head}, {labels} labels.',
  modelHead: ' + n-gram head ({grams} n-grams of 1–{n})',
  predictedIn: '· predicted in {ms} ms on {backend}',
  prefixTitle: 'The guess after each letter',
  prefixNote:
    'How the guess changes as the name is read: each cell is the prediction for the name cut after that letter.',
  memoryTitle: 'Inside the memory',
  memoryNote:
    'After each letter the network updates its hidden state h_t (one row per unit, one column per letter; blue −1, white 0, red +1). Units are sorted by the letter they react to most, so each letter’s trace shows as a step on the diagonal. Hover or tap a cell for its value.',
  memoryNoteHead:
    'The classifier reads the last column (both ends, for a bidirectional network) together with an n-gram model of the name’s letter groups.',
  memoryNoteLast: 'The last column is all the classifier sees.',
  forward: 'reading forwards (left to right)',
  backward: 'reading backwards (right to left)',
  hiddenTitle: 'hidden state h_t',
  cellTitle: 'cell state c_t (the long-term memory)',
  gateMeans: 'mean of each gate after each letter',
  gate_f: 'forget gate f_t: how much of the cell state c_{t−1} is kept (1 = keep all).',
  gate_i: 'input gate i_t: how much of the new candidate is written into the cell state.',
  gate_o: 'output gate o_t: how much of tanh(c_t) is let out as h_t.',
  gate_z: 'update gate z_t: how much of h_{t−1} is kept rather than replaced.',
  gate_r: 'reset gate r_t: how much of h_{t−1} the candidate may look at.',
  heatmapAlt:
    '{title}: {units} units × {steps} letters. Largest after the last letter: unit {unit} ({value}).',
  hover: 'unit {unit}, after “{char}” (letter {step}): {value}',
  noMemory: 'No memory view for this model: {reason}.',
  typeForMemory: 'Type a name to look inside the memory.',
  forgetTitle: 'Why the plain RNN forgets',
  forgetNote:
    'How much each letter still moves the final guess: the size of the gradient of the final prediction with respect to that letter’s input. In a plain RNN the gradient is multiplied by the recurrent weights and tanh′ at every step back, so it shrinks fast (it vanishes): early letters barely count. The LSTM’s cell state, guarded by its forget, input and output gates, carries it across many steps. Try a long name, such as Abramowitz-Kowalczykowski.',
  forgetCurrent: 'the model above',
  forgetRnn: 'plain (tutorial) RNN, 64 units',
  forgetLstm: 'LSTM, 64 units',
  forgetLoading: 'loading the comparison models…',
  influenceAlt: '{model}: influence of each letter on its guess {label}, strongest “{char}”.',
  modelsTitle: 'Models',
  useShipped: 'Use the shipped model',
  useTrained: 'Use the model trained here',
  download: 'Download the current model (.zip)',
  bundleLabel:
    'Load a model: one .zip (from this page) or the model.json and weights file written by charrnn train',
  bundleError: 'This model could not be loaded: {message}',
  trainTitle: 'Train in your browser',
  trainNote:
    'Training runs in a background worker: the page stays responsive and predictions keep running on their own backend.',
  trainWebglNote:
    'Predictions stay on {backend}: for a model this small it answers a keystroke in about a millisecond.',
  phaseRecurrent: 'recurrent training',
  phaseNgram: 'n-gram fit',
  phaseEvaluation: 'evaluation',
  phaseSave: 'saving',
  elapsed: 'elapsed {s}',
  eta: 'about {s} left',
  confirmReplace: 'A model trained here is already saved in this browser. Replace it with the new one?',
  tooFewNames:
    'Too little data: {found}. Training needs at least {names} names in at least 2 labels, each label with at least {perLabel} names.',
  generateTitle: 'Generate names',
  generateNote:
    'A second network, a character language model (an LSTM told the language at every step), writes surnames one letter at a time: after each letter it gives a probability to every possible next letter and to “end of name”, and one is drawn at random. The temperature sharpens (below 1) or flattens (above 1) these probabilities before the draw. The same seed gives the same names; the seed moves on by one after each run.',
  generateLanguage: 'Language',
  generateTemperature: 'Temperature',
  generateCount: 'Names',
  generateSeed: 'Seed',
  generate: 'Generate',
  generatePrefixLabel: 'Complete my name: the start of a surname',
  generateComplete: 'Complete my name',
  generateLoading: 'Loading the generator…',
  generateFailed: 'The generator could not be loaded: {message}',
  generateInfo:
    'Generator: {cell} {hidden}, character embedding {embed} + language embedding {labelEmbed}, {labels} languages; {bpc} bits per character on names it never saw.',
  generateRunning: 'Generating {count} {label} names (temperature {temperature}, seed {seed})…',
  generateDone: 'Generated {count} {label} names (temperature {temperature}, seed {seed}): {names}.',
  generateUnknown: 'Not in the generator’s alphabet: {chars}. Type letters the names use.',
  generateNeedPrefix: 'Type the start of a name first.',
  generateBadNumber: '{field} must be a whole number from {min} to {max}.',
  generateGuess: 'classifier: {label} {p}',
  generateNew: 'not a training name',
  generateSeen: 'a training name',
  generateCut: 'cut at {n} letters',
  generateNamesLabel: 'generated names',
  generateChartTitle: 'What the model expected',
  generateChartNote:
    'For the last name, one column per letter drawn: the model’s three most likely next symbols (its own probabilities, temperature 1) and the one drawn, highlighted (added at the bottom when it was not among them).',
  generateChartEmpty: 'Generate a name to see what the model expected at each letter.',
  generateChartLabel: 'next-letter probabilities for {name}',
  generateEnd: 'end',
  generateStepAlt: 'Letter {step}: drew {symbol} ({p}, rank {rank}); the model expected {candidates}.',
  train: 'Train',
  stop: 'Stop',
} as const;

/** A key of the page's words. */
export type MessageKey = keyof typeof EN;

const FR: Record<MessageKey, string> = {
  tagline: 'un réseau récurrent lit un nom de famille, une lettre à la fois, et devine sa langue',
  langLabel: 'Langue de la page',
  backendLabel: 'Moteur de prédiction',
  backendAuto: 'auto (mesuré : wasm pour les petits modèles)',
  introTitle: 'De quoi s’agit-il ?',
  intro:
    'Un réseau doté de mémoire lit une séquence pas à pas. Ici il lit un nom de famille lettre par lettre, garde ce qu’il a vu dans son état caché et dit à la fin de quelle langue le nom vient le plus probablement. Tapez un nom ci-dessous, ou essayez :',
  knownLanguages: 'Le modèle connaît {n} langues :',
  predictTitle: 'Prédiction pendant la frappe',
  nameLabel: 'Nom de famille',
  namePlaceholder: 'p. ex. Nguyen, Schmidt, Kowalski',
  typeAName: 'Tapez un nom de famille pour voir ce qu’en pense le modèle.',
  readAs: 'lu « {name} »',
  readAsTyped: 'lu tel quel',
  notInAlphabet: 'hors de l’alphabet du modèle (ignorés ou inconnus) : {chars}',
  cutTo: 'coupé aux {n} premiers caractères',
  nothingLeft: 'il ne reste rien à lire pour le modèle',
  confident: 'Le plus probable : {label} ({p}).',
  unsure: 'Le modèle hésite : {label} ({p}) ou {second} ({q}).',
  noneOfThem:
    'Ce nom ne ressemble à aucune des {n} langues que connaît le modèle ({share} de ses groupes de lettres n’apparaissent dans aucun nom d’entraînement) ; sa meilleure hypothèse, {label} ({p}), ne veut pas dire grand-chose.',
  lowConfidence:
    'Ce nom ne ressemble à aucune des {n} langues que connaît le modèle : sa meilleure hypothèse, {label}, n’obtient que {p}.',
  modelInfo: 'Modèle : {source} — {cell}, {hidden} unités, plongement {embed}{head}, {labels} étiquettes.',
  modelHead: ' + tête n-grammes ({grams} n-grammes de 1 à {n})',
  predictedIn: '· prédit en {ms} ms sur {backend}',
  prefixTitle: 'L’hypothèse après chaque lettre',
  prefixNote:
    'Comment l’hypothèse évolue pendant la lecture : chaque case est la prédiction pour le nom coupé après cette lettre.',
  memoryTitle: 'Dans la mémoire',
  memoryNote:
    'Après chaque lettre, le réseau met à jour son état caché h_t (une ligne par unité, une colonne par lettre ; bleu −1, blanc 0, rouge +1). Les unités sont triées selon la lettre à laquelle elles réagissent le plus : la trace de chaque lettre forme une marche sur la diagonale. Survolez ou touchez une case pour voir sa valeur.',
  memoryNoteHead:
    'Le classifieur lit la dernière colonne (les deux bouts, pour un réseau bidirectionnel) avec un modèle n-grammes des groupes de lettres du nom.',
  memoryNoteLast: 'La dernière colonne est tout ce que voit le classifieur.',
  forward: 'lecture vers l’avant (de gauche à droite)',
  backward: 'lecture vers l’arrière (de droite à gauche)',
  hiddenTitle: 'état caché h_t',
  cellTitle: 'état de cellule c_t (la mémoire à long terme)',
  gateMeans: 'moyenne de chaque porte après chaque lettre',
  gate_f: 'porte d’oubli f_t : quelle part de l’état de cellule c_{t−1} est gardée (1 = tout).',
  gate_i: 'porte d’entrée i_t : quelle part du nouveau candidat est écrite dans l’état de cellule.',
  gate_o: 'porte de sortie o_t : quelle part de tanh(c_t) sort comme h_t.',
  gate_z: 'porte de mise à jour z_t : quelle part de h_{t−1} est gardée plutôt que remplacée.',
  gate_r: 'porte de réinitialisation r_t : quelle part de h_{t−1} le candidat peut regarder.',
  heatmapAlt:
    '{title} : {units} unités × {steps} lettres. La plus forte après la dernière lettre : unité {unit} ({value}).',
  hover: 'unité {unit}, après « {char} » (lettre {step}) : {value}',
  noMemory: 'Pas de vue de la mémoire pour ce modèle : {reason}.',
  typeForMemory: 'Tapez un nom pour regarder dans la mémoire.',
  forgetTitle: 'Pourquoi le RNN simple oublie',
  forgetNote:
    'Combien chaque lettre pèse encore sur l’hypothèse finale : la taille du gradient de la prédiction finale par rapport à l’entrée de cette lettre. Dans un RNN simple, le gradient est multiplié par les poids récurrents et par tanh′ à chaque pas en arrière : il s’évanouit vite, les premières lettres ne comptent presque plus. L’état de cellule du LSTM, gardé par ses portes d’oubli, d’entrée et de sortie, le transporte sur de nombreux pas. Essayez un nom long, comme Abramowitz-Kowalczykowski.',
  forgetCurrent: 'le modèle ci-dessus',
  forgetRnn: 'RNN simple (du tutoriel), 64 unités',
  forgetLstm: 'LSTM, 64 unités',
  forgetLoading: 'chargement des modèles de comparaison…',
  influenceAlt: '{model} : influence de chaque lettre sur son hypothèse {label}, la plus forte « {char} ».',
  modelsTitle: 'Modèles',
  useShipped: 'Utiliser le modèle fourni',
  useTrained: 'Utiliser le modèle entraîné ici',
  download: 'Télécharger le modèle actuel (.zip)',
  bundleLabel:
    'Charger un modèle : un .zip (de cette page) ou le model.json et le fichier de poids écrits par charrnn train',
  bundleError: 'Ce modèle n’a pas pu être chargé : {message}',
  trainTitle: 'Entraîner dans le navigateur',
  trainNote:
    'L’entraînement tourne dans un worker en arrière-plan : la page reste réactive et les prédictions gardent leur propre moteur.',
  trainWebglNote:
    'Les prédictions restent sur {backend} : pour un modèle aussi petit, il répond à une frappe en une milliseconde environ.',
  phaseRecurrent: 'entraînement récurrent',
  phaseNgram: 'ajustement n-grammes',
  phaseEvaluation: 'évaluation',
  phaseSave: 'enregistrement',
  elapsed: '{s} écoulées',
  eta: 'encore {s} environ',
  confirmReplace:
    'Un modèle entraîné ici est déjà enregistré dans ce navigateur. Le remplacer par le nouveau ?',
  tooFewNames:
    'Trop peu de données : {found}. L’entraînement demande au moins {names} noms dans au moins 2 étiquettes, chacune avec au moins {perLabel} noms.',
  generateTitle: 'Générer des noms',
  generateNote:
    'Un second réseau, un modèle de langage par caractères (un LSTM à qui l’on donne la langue à chaque pas), écrit des noms une lettre à la fois : après chaque lettre il donne une probabilité à chaque lettre suivante possible et à « fin du nom », puis l’une est tirée au hasard. La température rend ces probabilités plus tranchées (sous 1) ou plus plates (au-dessus de 1) avant le tirage. La même graine donne les mêmes noms ; elle avance de un après chaque génération.',
  generateLanguage: 'Langue',
  generateTemperature: 'Température',
  generateCount: 'Noms',
  generateSeed: 'Graine',
  generate: 'Générer',
  generatePrefixLabel: 'Compléter mon nom : le début d’un nom de famille',
  generateComplete: 'Compléter mon nom',
  generateLoading: 'Chargement du générateur…',
  generateFailed: 'Le générateur n’a pas pu être chargé : {message}',
  generateInfo:
    'Générateur : {cell} {hidden}, plongement des caractères {embed} + de la langue {labelEmbed}, {labels} langues ; {bpc} bits par caractère sur des noms jamais vus.',
  generateRunning: 'Génération de {count} noms {label} (température {temperature}, graine {seed})…',
  generateDone: '{count} noms {label} générés (température {temperature}, graine {seed}) : {names}.',
  generateUnknown: 'Hors de l’alphabet du générateur : {chars}. Tapez des lettres qu’utilisent les noms.',
  generateNeedPrefix: 'Tapez d’abord le début d’un nom.',
  generateBadNumber: '{field} doit être un nombre entier de {min} à {max}.',
  generateGuess: 'classifieur : {label} {p}',
  generateNew: 'pas un nom d’entraînement',
  generateSeen: 'un nom d’entraînement',
  generateCut: 'coupé à {n} lettres',
  generateNamesLabel: 'noms générés',
  generateChartTitle: 'Ce que le modèle attendait',
  generateChartNote:
    'Pour le dernier nom, une colonne par lettre tirée : les trois symboles suivants les plus probables selon le modèle (ses propres probabilités, température 1) et celui qui a été tiré, en surbrillance (ajouté en bas s’il n’en faisait pas partie).',
  generateChartEmpty: 'Générez un nom pour voir ce que le modèle attendait à chaque lettre.',
  generateChartLabel: 'probabilités de la lettre suivante pour {name}',
  generateEnd: 'fin',
  generateStepAlt: 'Lettre {step} : {symbol} tiré ({p}, rang {rank}) ; le modèle attendait {candidates}.',
  train: 'Entraîner',
  stop: 'Arrêter',
};

const TABLES: Record<Lang, Record<MessageKey, string>> = { en: EN, fr: FR };

let current: Lang = 'en';

/** The page's language from `?lang=`, else the browser's preference when it is French. */
export function initialLang(search: string, preferred: readonly string[]): Lang {
  const asked = new URLSearchParams(search).get('lang');
  if (asked === 'fr' || asked === 'en') return asked;
  return preferred[0]?.toLowerCase().startsWith('fr') === true ? 'fr' : 'en';
}

/** Sets the language {@link t} answers in. */
export function setLang(lang: Lang): void {
  current = lang;
}

/** The language {@link t} answers in. */
export function lang(): Lang {
  return current;
}

/** The text of `key` in the current language, `{name}` placeholders filled from `values`. */
export function t(key: MessageKey, values: Record<string, string | number> = {}): string {
  return TABLES[current][key].replace(/\{(\w+)\}/g, (match, name: string) =>
    name in values ? String(values[name]) : match,
  );
}

/** Fills every `[data-i18n]` element's text (and `[data-i18n-placeholder]` placeholders) under `root`. */
export function translate(root: ParentNode): void {
  for (const node of root.querySelectorAll<HTMLElement>('[data-i18n]'))
    node.textContent = t(node.dataset['i18n'] as MessageKey);
  for (const node of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]'))
    node.placeholder = t(node.dataset['i18nPlaceholder'] as MessageKey);
}
