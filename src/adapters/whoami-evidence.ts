/**
 * Gathers the evidence `whoami` diagnoses (src/core/identity/diagnose.ts). Every call is time-limited and every
 * failure becomes evidence ({error} / {skip}), never a crash.
 *
 * - offline: files only (--arn, --aws-auth, --manifests, --access-entries, --auth-mode, --token); no cluster, no AWS
 *   call; the SDK and client-node are not loaded (a --token signature is recomputed locally only when static AWS keys
 *   are in the environment).
 * - live: the kubeconfig context and its exec plugin; STS GetCallerIdentity with the credentials the plugin would use
 *   (its AWS_PROFILE / --profile / --role-arn, as `aws eks get-token` does); the plugin itself is run once, with its
 *   env, only to obtain the token kubectl would send (no other command is executed); DescribeCluster and access
 *   entries; aws-auth (403 -> skip); RBAC when a request is asked; SelfSubjectReview.
 */
import {execFile} from 'node:child_process'
import {basename} from 'node:path'

import type {CallerEvidence, Failed, PluginEvidence, Skip, TokenEvidence, WhoamiEvidence} from '../core/identity/diagnose.js'
import {EksauthError} from '../core/errors.js'
import {inspectToken, publicCheck, type TokenCheck, withSignature, checkSignature} from '../core/identity/token.js'
import {parseClusterArn} from '../core/cluster-info.js'
import {analyseAwsAuth} from '../core/aws-auth/diagnostics.js'
import type {AccessRequest} from '../core/rbac/authorizer.js'
import type {AuthenticationMode} from '../core/ports.js'
import {loadAccessEntriesFile} from './files/access-entries-file.js'
import {loadAwsAuthFile} from './files/aws-auth-file.js'
import {loadRbacManifests} from './offline-state.js'

export const CALL_TIMEOUT_MS = 20_000

export interface WhoamiSources {
  offline: boolean
  kubeconfig?: string
  context?: string
  profile?: string
  region?: string
  clusterName?: string
  token?: string
  arn?: string
  userId?: string
  awsAuth?: string
  manifests?: string[]
  accessEntries?: string
  authMode?: AuthenticationMode
  clusterId?: string
  at?: Date
  request?: AccessRequest
  /** per call; default CALL_TIMEOUT_MS */
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
}

/** A failure as evidence: credential problems are told apart (they are a cause of their own). */
export function failure(error: unknown): Failed {
  const e = error as {message?: string; code?: string; suggestions?: string[]}
  // whoami is where "run `eksauth whoami`" points: drop that advice from the evidence it shows
  const message = String(e?.message ?? error).split('\n')[0]!.replace(/: run `eksauth whoami`$/, ' (401 Unauthorized)').slice(0, 400)
  const fix = e?.suggestions?.[0]
  const code = e instanceof EksauthError ? e.code : String(e?.code ?? '')
  let kind: Failed['kind'] = 'other'
  if (code === 'E_CREDENTIALS' || /Unable to locate credentials|could not load credentials|no usable AWS credentials|NoCredentialProviders/i.test(message)) {
    kind = /expired|sso/i.test(message) ? 'credentials-expired' : 'credentials-missing'
  } else if (/Token has expired|SSO session .*expired|refresh failed|ExpiredToken/i.test(message)) kind = 'credentials-expired'
  else if (code === 'E_ACCESS_DENIED' || code === 'E_NOT_AUTHORIZED' || code === 'E_K8S_FORBIDDEN') kind = 'denied'
  else if (code.endsWith('NOT_FOUND')) kind = 'not-found'
  else if (/UNAVAILABLE|TIMEOUT/.test(code)) kind = 'unavailable'
  return {error: message, kind, ...(fix ? {fix} : {})}
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EksauthError(`${what} did not answer within ${Math.round(ms / 1000)} s`, {code: 'E_TIMEOUT', exit: 9})), ms)
  })
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}

async function attempt<T>(p: () => Promise<T>, ms: number, what: string): Promise<T | Failed> {
  try {
    return await withTimeout(p(), ms, what)
  } catch (error) {
    return failure(error)
  }
}

const isFailed = (x: unknown): x is Failed => typeof x === 'object' && x !== null && 'error' in x

// ---------------------------------------------------------------------------------------------------------------
// exec plugin args

const argValue = (args: string[], ...names: string[]): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    for (const n of names) {
      if (a === n && args[i + 1] !== undefined) return args[i + 1]
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1)
    }
  }
  return undefined
}

/** What `aws eks get-token`, `eksauth token` or `aws-iam-authenticator token` args say; other plugins: kind other. */
export function parsePluginArgs(command: string, args: string[], env: Record<string, string>, shellEnv: NodeJS.ProcessEnv = process.env): PluginEvidence {
  const cmd = basename(command)
  const joined = args.join(' ')
  const kind: PluginEvidence['kind'] =
    /^aws(\.exe|\.cmd)?$/.test(cmd) && /\beks\s+get-token\b/.test(joined)
      ? 'aws-eks-get-token'
      : /^eksauth/.test(cmd) || (/node$/.test(cmd) && /eksauth|run\.js/.test(joined) && /\btoken\b/.test(joined))
        ? 'eksauth-token'
        : /aws-iam-authenticator/.test(cmd) && /\btoken\b/.test(joined)
          ? 'aws-iam-authenticator'
          : 'other'
  const clusterName = argValue(args, '--cluster-name', '--cluster-id', '-i')
  const region = argValue(args, '--region')
  const roleArn = argValue(args, '--role-arn', '-r')
  const profile = argValue(args, '--profile') ?? (env.AWS_PROFILE && env.AWS_PROFILE !== '***' ? env.AWS_PROFILE : undefined) ?? shellEnv.AWS_PROFILE
  return {
    args,
    command,
    env,
    kind,
    ...(clusterName ? {clusterName} : {}),
    ...(region ? {region} : {}),
    ...(roleArn ? {roleArn} : {}),
    ...(profile ? {profile} : {}),
    ...(shellEnv.AWS_PROFILE ? {shellProfile: shellEnv.AWS_PROFILE} : {}),
  }
}

/** `https://ABC.gr7.eu-west-1.eks.amazonaws.com` -> eu-west-1 */
export function regionFromServer(server: string): string | undefined {
  return /\.([a-z]{2}(?:-[a-z]+)+-\d)\.eks\.amazonaws\.com(\.cn)?(:\d+)?\/?$/.exec(server)?.[1]
}

// ---------------------------------------------------------------------------------------------------------------
// token

async function checkToken(token: string, source: TokenEvidence['source'], clusterId: string | undefined, now: Date, env: NodeJS.ProcessEnv, live: boolean): Promise<TokenEvidence> {
  const inspected = inspectToken(token, {...(clusterId ? {clusterId} : {}), now})
  let check: TokenCheck = publicCheck(inspected)
  const d = inspected.decoded
  if (d && clusterId) {
    // offline: only static keys from the environment (no SDK, no network); live: the shared credential chain
    const staticKeys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && !env.AWS_PROFILE
    if (staticKeys || live) {
      try {
        const {baseCredentials} = await import('./aws/credentials.js')
        const {signatureRecomputer} = await import('./aws/token-signer.js')
        let creds
        let why = 'no local AWS credentials'
        try {
          creds = await baseCredentials({env})
        } catch (error) {
          why = `no local AWS credentials (${(error as Error).message})`
        }
        check = withSignature(check, await checkSignature(d, clusterId, signatureRecomputer(creds, why)), clusterId)
      } catch {
        // the signature stays unchecked
      }
    } else {
      check = {...check, message: `${check.message}; signature not checked (offline, no static AWS keys in the environment)`}
    }
  }
  return {check, source}
}

// ---------------------------------------------------------------------------------------------------------------
// offline

export async function gatherOffline(s: WhoamiSources): Promise<WhoamiEvidence> {
  const env = s.env ?? process.env
  const now = s.at ?? new Date()
  const ev: WhoamiEvidence = {mode: 'offline', now: now.toISOString()}
  if (s.request) ev.request = s.request
  if (s.clusterId ?? s.clusterName) ev.cluster = {name: (s.clusterId ?? s.clusterName)!, source: s.clusterId ? '--cluster-id' : '--cluster-name'}
  if (s.token !== undefined) ev.token = await checkToken(s.token, 'flag', s.clusterId ?? s.clusterName, now, env, false)
  ev.caller = s.arn ? {account: accountOfArn(s.arn), arn: s.arn, source: 'flag', userId: s.userId ?? ''} : {skip: 'offline: pass --arn ARN (what `aws sts get-caller-identity` prints)'}
  if (s.authMode) ev.authMode = {mode: s.authMode, source: '--auth-mode'}
  else ev.authMode = {skip: 'offline and no --auth-mode'}
  if (s.accessEntries) ev.accessEntries = {entries: loadAccessEntriesFile(s.accessEntries), source: s.accessEntries}
  if (s.awsAuth) ev.awsAuth = {analysis: loadAwsAuthFile(s.awsAuth), source: s.awsAuth}
  if (s.manifests?.length) ev.rbac = {objects: loadRbacManifests(s.manifests).objects, source: s.manifests.join(', ')}
  return ev
}

const accountOfArn = (arn: string): string => /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1] ?? ''

// ---------------------------------------------------------------------------------------------------------------
// live

/** Runs the exec plugin once, as kubectl would (its env over ours), and returns the token it prints. */
function runPlugin(p: PluginEvidence, realEnv: Record<string, string>, env: NodeJS.ProcessEnv, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      p.command,
      p.args,
      {env: {...env, ...realEnv, KUBERNETES_EXEC_INFO: JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', spec: {interactive: false}})}, maxBuffer: 1 << 20, timeout: ms},
      (error, stdout, stderr) => {
        if (error) {
          const text = (String(stderr).trim().split('\n').filter(Boolean).at(-1) ?? error.message).slice(0, 300)
          reject(new Error(`exec plugin \`${basename(p.command)}\` failed: ${text}`))
          return
        }
        try {
          const j = JSON.parse(String(stdout)) as {status?: {token?: string}}
          if (typeof j.status?.token === 'string') return resolve(j.status.token)
        } catch {
          // below
        }
        reject(new Error(`exec plugin \`${basename(p.command)}\` printed no ExecCredential with a token`))
      },
    )
  })
}

export async function gatherLive(s: WhoamiSources): Promise<WhoamiEvidence> {
  const env = s.env ?? process.env
  const ms = s.timeoutMs ?? CALL_TIMEOUT_MS
  const now = s.at ?? new Date()
  const ev: WhoamiEvidence = {mode: 'live', now: now.toISOString()}
  if (s.request) ev.request = s.request

  // kubeconfig
  const k8s = await import('./k8s/index.js')
  const loaded = await attempt(() => k8s.loadKubeconfig({context: s.context, env, kubeconfig: s.kubeconfig}), ms, 'kubeconfig')
  let description: Awaited<ReturnType<typeof k8s.loadKubeconfig>>['description'] | undefined
  if (isFailed(loaded)) ev.kubeconfig = loaded
  else {
    description = loaded.description
    const d = description
    ev.kubeconfig = {auth: d.auth, cluster: d.cluster, context: d.context, files: d.files, server: d.server, user: d.user}
  }

  // exec plugin and the credentials it uses: real env values (the description masks secrets)
  let plugin: PluginEvidence | undefined
  let pluginEnv: Record<string, string> = {}
  if (description?.exec) {
    const x = description.exec
    // real values: the description masks secret-looking names
    const user = !isFailed(loaded) ? (loaded.kc.getCurrentUser()?.exec as {env?: Array<{name: string; value: string}> | null} | undefined) : undefined
    pluginEnv = Object.fromEntries((user?.env ?? []).map((e) => [e.name, String(e.value)]))
    plugin = parsePluginArgs(x.command, x.args, x.env, env)
    ev.plugin = plugin
  } else if (description) {
    ev.plugin = {skip: `the kubeconfig user ${description.user} authenticates with ${description.auth}, not an exec plugin`}
  }

  // the cluster
  const arn = description ? parseClusterArn(description.cluster) : undefined
  const clusterName = s.clusterName ?? s.clusterId ?? arn?.name ?? plugin?.clusterName ?? description?.clusterName
  const region = s.region ?? arn?.region ?? plugin?.region ?? (description ? regionFromServer(description.server) : undefined)
  if (clusterName) {
    ev.cluster = {
      name: clusterName,
      source: s.clusterName ? '--cluster-name' : s.clusterId ? '--cluster-id' : arn ? 'the kubeconfig cluster ARN' : plugin?.clusterName ? 'the exec plugin args' : 'the kubeconfig cluster entry',
      ...(arn ? {accountId: arn.accountId} : {}),
      ...(region ? {region} : {}),
    }
  }

  // AWS options as the plugin would use them
  const awsEnv: NodeJS.ProcessEnv = {...env, ...pluginEnv}
  if (plugin?.profile) awsEnv.AWS_PROFILE = plugin.profile
  const stsAws = {env: awsEnv, ...(plugin?.profile ? {profile: plugin.profile} : s.profile ? {profile: s.profile} : {}), ...(region ? {region} : {}), ...(plugin?.roleArn ? {roleArn: plugin.roleArn} : {})}

  // token: --token, else the plugin's
  if (s.token !== undefined) {
    ev.token = await checkToken(s.token, 'flag', s.clusterId ?? clusterName, now, awsEnv, true)
  } else if (plugin) {
    const tok = await attempt(() => runPlugin(plugin!, pluginEnv, env, ms), ms + 1000, 'the exec plugin')
    if (isFailed(tok)) {
      if (tok.kind === 'credentials-missing' || tok.kind === 'credentials-expired') ev.credentials = tok
      else ev.token = {...tok, fix: `run \`${[plugin.command, ...plugin.args].join(' ')}\` by hand and fix what it reports`}
    } else {
      ev.token = await checkToken(tok, 'plugin', s.clusterId ?? clusterName, now, awsEnv, true)
    }
  } else ev.token = {skip: 'no exec plugin and no --token'}

  // STS: who the plugin signs as, and who the shell is
  const {getCallerIdentity} = await import('./aws/sts.js')
  if (s.arn) ev.caller = {account: accountOfArn(s.arn), arn: s.arn, source: 'flag', userId: s.userId ?? ''}
  else if (s.token !== undefined && ev.token && 'check' in ev.token && ev.token.check.valid) {
    const replay = await attempt(async () => {
      const {replayPresignedUrl} = await import('./aws/sts.js')
      const d = inspectToken(s.token!, {now}).decoded
      if (!d) throw new Error('token cannot be decoded')
      return replayPresignedUrl(d.url, s.clusterId ?? clusterName ?? '', {env: awsEnv, timeoutMs: ms})
    }, ms, 'STS')
    if (isFailed(replay)) ev.caller = replay
    else if (replay.ok) {
      ev.caller = {...replay.identity, source: 'token'}
      ;(ev.token as TokenEvidence).callerArn = replay.identity.arn
    } else {
      const t = ev.token as TokenEvidence
      t.check = {...t.check, message: `STS rejected the token (HTTP ${replay.status} ${replay.code})`, reason: replay.code === 'SignatureDoesNotMatch' ? 'bad-signature' : 'sts-rejected', valid: false}
      ev.caller = {skip: 'STS rejected the token'}
    }
  } else {
    const who = await attempt(() => getCallerIdentity(stsAws), ms, 'STS GetCallerIdentity')
    ev.caller = isFailed(who)
      ? who
      : ({account: who.account, arn: who.arn, source: 'sts', userId: who.userId, ...(stsAws.profile ? {profile: stsAws.profile} : {}), ...(plugin?.roleArn ? {roleArn: plugin.roleArn} : {})} satisfies CallerEvidence)
    if (!isFailed(who) && plugin && (plugin.roleArn || (plugin.profile ?? '') !== (env.AWS_PROFILE ?? ''))) {
      const shell = await attempt(() => getCallerIdentity({env, ...(s.profile ? {profile: s.profile} : {}), ...(region ? {region} : {})}), ms, 'STS GetCallerIdentity (shell)')
      ev.shellCaller = isFailed(shell) ? shell : {account: shell.account, arn: shell.arn, userId: shell.userId, ...(env.AWS_PROFILE ? {profile: env.AWS_PROFILE} : {})}
    }
  }

  // DescribeCluster and access entries (files win)
  const eksOpts = {env: awsEnv, ...(stsAws.profile ? {profile: stsAws.profile} : {}), ...(region ? {region} : {})}
  let eks: import('./aws/eks-access.js').SdkEksAccess | undefined
  if (clusterName && region) {
    const {SdkEksAccess} = await import('./aws/eks-access.js')
    eks = new SdkEksAccess(arn ? description!.cluster : clusterName, eksOpts)
  }
  if (s.authMode) ev.authMode = {mode: s.authMode, source: '--auth-mode'}
  else if (!eks) ev.authMode = {skip: `DescribeCluster not called: ${clusterName ? 'no region (pass --region)' : 'no cluster name (pass --cluster-name)'}`}
  else {
    const info = await attempt(() => eks!.cluster(), ms, 'eks:DescribeCluster')
    if (isFailed(info)) ev.authMode = {skip: `DescribeCluster failed: ${info.error}`}
    else {
      if (info.accountId && ev.cluster) ev.cluster.accountId = info.accountId
      ev.authMode = info.authenticationMode
        ? {mode: info.authenticationMode, source: `DescribeCluster ${info.name}`}
        : {skip: `DescribeCluster ${info.name} did not report accessConfig.authenticationMode (older API or moto)`}
    }
  }
  const liveMode = ev.authMode && 'mode' in ev.authMode ? ev.authMode.mode : undefined
  if (s.accessEntries) ev.accessEntries = {entries: loadAccessEntriesFile(s.accessEntries), source: s.accessEntries}
  else if (liveMode === 'CONFIG_MAP') ev.accessEntries = {skip: 'mode CONFIG_MAP: no access entries'}
  else if (eks && liveMode) {
    const entries = await attempt(() => eks!.accessEntries(), ms, 'eks:ListAccessEntries')
    ev.accessEntries = isFailed(entries) ? {skip: `cannot list access entries: ${entries.error}`} : {entries, source: `ListAccessEntries ${clusterName}`}
  } else ev.accessEntries = {skip: 'mode unknown: access entries not listed (pass --access-entries FILE)'}

  // the cluster: aws-auth, RBAC, SelfSubjectReview
  let cluster: import('./k8s/index.js').Cluster | undefined
  if (description) {
    const c = await attempt(() => k8s.Cluster.connect({context: s.context, env, kubeconfig: s.kubeconfig, retries: 0, timeoutMs: ms}), ms, 'kubeconfig')
    if (!isFailed(c)) cluster = c
  }
  if (s.awsAuth) ev.awsAuth = {analysis: loadAwsAuthFile(s.awsAuth), source: s.awsAuth}
  else if (liveMode === 'API') ev.awsAuth = {skip: 'mode API: aws-auth is not used'}
  else if (cluster) {
    const snap = await attempt(() => new k8s.ClusterAwsAuthStore(cluster!).read(), ms + 1000, 'aws-auth')
    if (isFailed(snap)) {
      ev.awsAuth = {
        skip: snap.kind === 'denied' ? 'cannot read aws-auth (needs get configmaps in kube-system)' : `cannot read aws-auth: ${snap.error}`,
      }
    } else ev.awsAuth = snap.exists ? {analysis: analyseAwsAuth(snap.data), source: snap.source} : {analysis: analyseAwsAuth({}), source: `${snap.source} (does not exist)`}
  } else ev.awsAuth = {skip: 'no cluster connection'}

  if (s.request) {
    if (s.manifests?.length) ev.rbac = {objects: loadRbacManifests(s.manifests).objects, source: s.manifests.join(', ')}
    else if (cluster) {
      const objs = await attempt(async () => {
        const {loadRbacObjects} = await import('../core/rbac/objects.js')
        const {withDefaults} = await import('../core/rbac/defaults.js')
        const {aggregateClusterRoles} = await import('../core/rbac/aggregate.js')
        const all = await new k8s.ClusterRbacReader(cluster!).all()
        const loadedObjs = loadRbacObjects([...all.clusterRoles, ...all.clusterRoleBindings, ...all.roles, ...all.roleBindings])
        const d = withDefaults(loadedObjs).objects
        return {...d, clusterRoles: aggregateClusterRoles(d.clusterRoles, {keepStoredWhenNoMatch: true}).clusterRoles}
      }, ms * 2, 'RBAC listing')
      ev.rbac = isFailed(objs) ? {skip: objs.kind === 'denied' ? 'cannot list RBAC objects (needs list on roles and bindings)' : `cannot list RBAC objects: ${objs.error}`} : {objects: objs, source: 'the cluster'}
    }
  }

  if (s.token !== undefined) ev.selfReview = {skip: '--token given: the kubeconfig\'s own credentials are not what is explained'}
  else if (cluster) {
    try {
      const r = await withTimeout(k8s.selfSubjectReview(cluster), ms + 1000, 'SelfSubjectReview')
      ev.selfReview = {groups: r.groups, username: r.username, ...(r.uid ? {uid: r.uid} : {})}
    } catch (error) {
      const e = error as EksauthError
      const status = (e.details as {status?: number} | undefined)?.status
      if (e.code === 'E_K8S_UNAUTHORIZED' || status === 401) ev.selfReview = {message: 'Unauthorized', status: 401}
      else if (status === 403) ev.selfReview = {message: e.message, status: 403}
      else ev.selfReview = {skip: `the API server did not answer: ${failure(error).error}`}
    }
  } else ev.selfReview = {skip: 'no cluster connection'}
  return ev
}

export type {CallerEvidence, Skip}
