/**
 * The demo's synthetic training set: songs from the demo generator, each with the country the v1
 * model predicts for it (the `prediction` column). `models/hit-predictor/reference.json` is the
 * reference profile built from it:
 *
 *   headliner demo training-set --rows 5000 --seed 1 > songs.jsonl
 *   headliner profile build --input songs.jsonl --model hit-predictor --bins 10 > models/hit-predictor/reference.json
 */
import { loadCountries } from './countries.js'
import { argmax, createHitModel } from './hit-model.js'
import { generateSong, mulberry32, songToRow } from './songs.js'

/** One JSON line per song: the 12 named features and `prediction` (an ISO country code). */
export function * trainingSet (rows: number, seed: number): Generator<string> {
  const random = mulberry32(seed)
  const model = createHitModel('v1')
  const codes = loadCountries().map((c) => c.code)
  for (let i = 0; i < rows; i++) {
    const song = generateSong(random)
    const probabilities = model.predict([songToRow(song)])[0]!
    yield JSON.stringify({ ...song, prediction: codes[argmax(probabilities)] })
  }
}
