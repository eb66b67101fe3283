/** Micro: the request validation of every OIP inference (JSON parse of the body, then the check). */
import { bench } from './harness.js'
import { INFER_BODY, INFER_BODY_32 } from '../lib/parties.js'

const { checkInferRequest } = await import('../../dist/protocol/oip.js')
const one = JSON.parse(INFER_BODY)
const batch = JSON.parse(INFER_BODY_32)

export default [
  bench('validation: JSON.parse of the 1-row body', () => JSON.parse(INFER_BODY)),
  bench('validation: checkInferRequest, 1 row', () => checkInferRequest(one).ok),
  bench('validation: checkInferRequest, 32 rows', () => checkInferRequest(batch).ok, { iterations: 50_000 })
]
