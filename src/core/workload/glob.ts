/**
 * IAM string patterns: `StringLike` globs (`*` any run, `?` one character, `${*}` `${?}` `${$}` literal) and the
 * literal values of `StringEquals`, as token lists so both kinds can be compared with each other. Pure.
 */

export type GlobToken = {t: 'lit'; c: string} | {t: 'one'} | {t: 'star'}

/** Tokens of a StringLike value (`like`) or of a StringEquals value (`!like`: every character literal). */
export function tokenize(pattern: string, like: boolean, ignoreCase = false): GlobToken[] {
  const src = ignoreCase ? pattern.toLowerCase() : pattern
  const out: GlobToken[] = []
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!
    if (like && ch === '$' && src[i + 1] === '{' && src[i + 3] === '}' && '*?$'.includes(src[i + 2] ?? '')) {
      out.push({c: src[i + 2]!, t: 'lit'})
      i += 3
      continue
    }
    if (like && ch === '*') {
      if (out.at(-1)?.t !== 'star') out.push({t: 'star'})
      continue
    }
    if (like && ch === '?') {
      out.push({t: 'one'})
      continue
    }
    out.push({c: ch, t: 'lit'})
  }
  return out
}

export const hasWildcard = (tokens: GlobToken[]): boolean => tokens.some((t) => t.t !== 'lit')

/** Does the glob match the value? IAM semantics: whole-string match, `*` any run (also empty), `?` one character. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return tokensMatch(tokenize(pattern, true, ignoreCase), ignoreCase ? value.toLowerCase() : value)
}

export function tokensMatch(tokens: GlobToken[], value: string): boolean {
  // classic two-pointer wildcard match with backtracking to the last star
  let t = 0
  let v = 0
  let starT = -1
  let starV = 0
  while (v < value.length) {
    const tok = tokens[t]
    if (tok && (tok.t === 'one' || (tok.t === 'lit' && tok.c === value[v]))) {
      t++
      v++
    } else if (tok?.t === 'star') {
      starT = t++
      starV = v
    } else if (starT >= 0) {
      t = starT + 1
      v = ++starV
    } else {
      return false
    }
  }
  while (tokens[t]?.t === 'star') t++
  return t === tokens.length
}

/** Is there a string both patterns match? */
export function intersects(a: GlobToken[], b: GlobToken[]): boolean {
  const memo = new Map<number, boolean>()
  const go = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j
    const seen = memo.get(key)
    if (seen !== undefined) return seen
    memo.set(key, false)
    let r = false
    const x = a[i]
    const y = b[j]
    if (x === undefined && y === undefined) r = true
    else if (x?.t === 'star') r = go(i + 1, j) || (y !== undefined && go(i, j + 1))
    else if (y?.t === 'star') r = go(i, j + 1) || (x !== undefined && go(i + 1, j))
    else if (x !== undefined && y !== undefined) {
      r = (x.t === 'one' || y.t === 'one' || x.c === y.c) && go(i + 1, j + 1)
    }
    memo.set(key, r)
    return r
  }
  return go(0, 0)
}

/**
 * Does `outer` match every string `inner` matches? Sound (never claims coverage that does not hold); a `*` or `?` of
 * `inner` can only be consumed by a `*` (or, for `?`, a `?`) of `outer`.
 */
export function covers(outer: GlobToken[], inner: GlobToken[]): boolean {
  const memo = new Map<number, boolean>()
  const go = (i: number, j: number): boolean => {
    const key = i * (inner.length + 1) + j
    const seen = memo.get(key)
    if (seen !== undefined) return seen
    memo.set(key, false)
    let r = false
    const o = outer[i]
    const n = inner[j]
    if (o === undefined) r = n === undefined
    else if (o.t === 'star') r = go(i + 1, j) || (n !== undefined && go(i, j + 1))
    else if (n === undefined) r = false
    else if (o.t === 'one') r = n.t !== 'star' && go(i + 1, j + 1)
    else r = n.t === 'lit' && n.c === o.c && go(i + 1, j + 1)
    memo.set(key, r)
    return r
  }
  return go(0, 0)
}

/** Render tokens back as a StringLike pattern (literal `*`/`?` escaped IAM-style). */
export function render(tokens: GlobToken[]): string {
  return tokens
    .map((t) => (t.t === 'star' ? '*' : t.t === 'one' ? '?' : '*?$'.includes(t.c) ? '${' + t.c + '}' : t.c))
    .join('')
}
