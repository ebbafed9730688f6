// Kubernetes resource quantities (`500m`, `256Mi`, `1.5`, `2e3`) as numbers, so requests, limits and
// a LimitRange's max compare as the API server compares them.

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
}

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/

/** The value of a quantity (a string, or a plain YAML number), or `undefined` when it is not one. */
export function parseQuantity(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) ? quantity : undefined
  if (typeof quantity !== 'string') return undefined
  const match = QUANTITY.exec(quantity.trim())
  if (match === null) return undefined
  const [, number = '', exponent, suffix = ''] = match
  return Number(number) * (exponent === undefined ? (SUFFIX[suffix] ?? 1) : 10 ** Number(exponent.slice(1)))
}
