/**
 * The layout rules of shared/design/architecture.md, checked on the source: the core is pure, and only adapters touch
 * the AWS SDK or the Kubernetes client, and only through dynamic import() (type-only imports are erased).
 */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../support/run-command.js'

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}
const SRC = join(ROOT, 'src')
const all = files(SRC).map((p) => ({path: relative(ROOT, p), text: readFileSync(p, 'utf8')}))
const HEAVY = /^(@aws-sdk\/|@kubernetes\/client-node|@smithy\/)/
/** the static value imports of a file (import type ... is erased by the compiler) */
const valueImports = (text: string): string[] =>
  [...text.matchAll(/^import\s+(type\s)?[^']*?from\s+'([^']+)'/gm)].filter((m) => !m[1]).map((m) => m[2]!)

describe('architecture', () => {
  it('the core does no I/O: no fs, network, child processes or environment', () => {
    const bad = all
      .filter((f) => f.path.startsWith('src/core/'))
      .filter((f) => /from 'node:(fs|fs\/promises|child_process|net|http|https|os|dns|tls)'/.test(f.text) || /\bprocess\.(env|stdout|stderr|exit)\b/.test(f.text))
      .map((f) => f.path)
    expect(bad).toEqual([])
  })
  it('no file imports the AWS SDK or the Kubernetes client statically (adapters load them with import())', () => {
    expect(all.filter((f) => valueImports(f.text).some((m) => HEAVY.test(m))).map((f) => f.path)).toEqual([])
  })
  it('only adapters (and their tests) name the SDK or client-node in a dynamic import', () => {
    const bad = all
      .filter((f) => !f.path.startsWith('src/adapters/'))
      .filter((f) => /import\(\s*'(@aws-sdk\/|@kubernetes\/client-node|@smithy\/)/.test(f.text))
      .map((f) => f.path)
    expect(bad).toEqual([])
  })
  it('offline commands never import the k8s or aws adapters at module level', () => {
    const offline = ['src/commands/list.ts', 'src/commands/simulate.ts', 'src/commands/audit.ts']
    for (const f of all.filter((x) => offline.includes(x.path))) {
      expect(valueImports(f.text).filter((m) => /^\.\.\/adapters\/(k8s|aws)\//.test(m)), f.path).toEqual([])
    }
  })
})
