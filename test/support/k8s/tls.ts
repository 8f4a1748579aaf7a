/**
 * A throw-away CA and a server certificate for 127.0.0.1/localhost, made with the `openssl` CLI in a temp dir.
 * kubectl only sends bearer tokens over verified TLS, so the fake API server needs a real chain.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface TestPki {
  dir: string
  caPem: string
  certPem: string
  keyPem: string
  /** base64 of caPem, as kubeconfig certificate-authority-data wants it */
  caData: string
}

export function requireOpenssl(): void {
  const r = spawnSync('openssl', ['version'], {encoding: 'utf8'})
  if (r.error || r.status !== 0) {
    throw new Error('openssl is not installed: the fake Kubernetes API server needs it to make its TLS certificates')
  }
}

/** Makes the CA and the server certificate in a new temp dir (the caller removes `dir`). */
export function makePki(): TestPki {
  requireOpenssl()
  const dir = mkdtempSync(join(tmpdir(), 'eksauth-k8s-'))
  const f = (n: string): string => join(dir, n)
  const run = (args: string[]): void => {
    try {
      execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
    } catch (e) {
      rmSync(dir, {recursive: true, force: true})
      throw e
    }
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  run(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=eksauth-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  run(['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=kube-apiserver'])
  writeFileSync(
    f('server.ext'),
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  )
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('server.crt'), '-days', '2', '-extfile', f('server.ext')])
  const caPem = readFileSync(f('ca.crt'), 'utf8')
  return {
    dir,
    caPem,
    certPem: readFileSync(f('server.crt'), 'utf8'),
    keyPem: readFileSync(f('server.key'), 'utf8'),
    caData: Buffer.from(caPem).toString('base64'),
  }
}
