/**
 * `whoami`: the whole EKS authentication chain for one caller, from the evidence the adapters gathered (any piece may be
 * missing), folded into a verdict and ONE cause with one sentence that says what to change. Causes are checked in the
 * order the real pipeline fails (eks-authentication.md F): credentials -> token (expiry/skew, cluster id) -> STS
 * identity -> authentication mode -> access entry -> aws-auth -> RBAC. Mapping and RBAC are resolveIdentity and
 * authorize; nothing of their logic is repeated here. Pure: no I/O, no SDK.
 */
import {canonicalize, iamName, lookupKey} from '../arn.js'
import type {AwsAuthAnalysis} from '../aws-auth/diagnostics.js'
import type {AccessEntry, AuthenticationMode, CallerIdentityInfo} from '../ports.js'
import {type AccessRequest, describeRequest, isNonResourceRequest, MASTERS_GROUP, ruleAllows} from '../rbac/authorizer.js'
import type {RbacObjects} from '../rbac/objects.js'
import {authorize, type SimulateDecision} from '../simulate.js'
import {resolveIdentity, type SimulateResult} from './resolve.js'
import type {TokenCheck} from './token.js'

export type StepName =
  | 'kubeconfig'
  | 'exec-plugin'
  | 'credentials'
  | 'token'
  | 'sts-identity'
  | 'canonical-arn'
  | 'auth-mode'
  | 'access-entry'
  | 'aws-auth'
  | 'rbac'
  | 'self-subject-review'

export type StepStatus = 'ok' | 'fail' | 'warn' | 'skip'
export type Verdict = 'ok' | 'unauthorized' | 'forbidden' | 'unknown'

/** One keyword per cause; `ok` when nothing is wrong, `unknown` when the evidence cannot tell. */
export const CAUSES = [
  'ok',
  'unknown',
  'credentials-missing',
  'credentials-expired',
  'token-expired',
  'clock-skew',
  'token-wrong-cluster',
  'token-invalid',
  'wrong-profile',
  'wrong-account',
  'malformed-user-id',
  'mode-api-ignores-aws-auth',
  'not-mapped',
  'different-principal',
  'path-in-role-arn',
  'sts-arn-entry',
  'section-dropped',
  'template-error',
  'case-mismatch',
  'shadowed-duplicate',
  'access-entry-overrides-aws-auth',
  'rbac-denied',
  'server-rejected',
] as const
export type Cause = (typeof CAUSES)[number]

export interface Step {
  step: StepName
  status: StepStatus
  detail: string
  evidence?: Record<string, unknown>
}

export interface Skip {
  skip: string
}
export interface Failed {
  error: string
  /** what kind of failure (credential problems are a cause of their own) */
  kind?: 'credentials-missing' | 'credentials-expired' | 'denied' | 'not-found' | 'unavailable' | 'other'
  fix?: string
}

const isSkip = (x: unknown): x is Skip => typeof x === 'object' && x !== null && 'skip' in x
const isFailed = (x: unknown): x is Failed => typeof x === 'object' && x !== null && 'error' in x

export interface PluginEvidence {
  command: string
  args: string[]
  /** masked like the kubeconfig adapter masks it */
  env: Record<string, string>
  /** what the args say, when the plugin is `aws eks get-token`, `eksauth token` or `aws-iam-authenticator token` */
  kind: 'aws-eks-get-token' | 'eksauth-token' | 'aws-iam-authenticator' | 'other'
  clusterName?: string
  region?: string
  roleArn?: string
  /** --profile in the args, else AWS_PROFILE in the exec env */
  profile?: string
  /** the shell's AWS_PROFILE, for "differs from the shell" */
  shellProfile?: string
}

export interface TokenEvidence {
  /** where the token came from: --token, or the exec plugin run just now */
  source: 'flag' | 'plugin'
  check: TokenCheck
  /** who STS says signed it (replay), when asked */
  callerArn?: string
}

export interface CallerEvidence extends CallerIdentityInfo {
  /** sts: GetCallerIdentity with the plugin's credentials; token: STS replay of --token; flag: --arn */
  source: 'sts' | 'token' | 'flag'
  profile?: string
  roleArn?: string
}

export interface WhoamiEvidence {
  mode: 'live' | 'offline'
  /** the instant expiry is judged at (RFC 3339) */
  now: string
  kubeconfig?: {files: string[]; context: string; cluster: string; server: string; user: string; auth: string} | Failed
  plugin?: PluginEvidence | Skip
  /** the EKS cluster name (what the token must be signed for) and where it was learnt */
  cluster?: {name: string; source: string; accountId?: string; region?: string}
  /** credential trouble found before any STS answer (the plugin failed, no credentials at all) */
  credentials?: {ok: true; detail: string} | Failed
  token?: TokenEvidence | Skip | Failed
  caller?: CallerEvidence | Failed | Skip
  /** the identity of the shell itself (no exec env), to tell a plugin that signs as someone else */
  shellCaller?: (CallerIdentityInfo & {profile?: string}) | Failed
  authMode?: {mode?: AuthenticationMode; source: string} | Skip | Failed
  accessEntries?: {entries: AccessEntry[]; source: string} | Skip | Failed
  awsAuth?: {analysis: AwsAuthAnalysis; source: string} | Skip | Failed
  rbac?: {objects: RbacObjects; source: string} | Skip | Failed
  request?: AccessRequest
  selfReview?: {username: string; groups: string[]; uid?: string} | {status: number; message: string} | Skip
}

export interface WhoamiResult {
  verdict: Verdict
  cause: Cause
  /** one sentence naming what to change */
  sentence: string
  steps: Step[]
  identity: {
    arn: string | null
    canonicalArn: string | null
    username: string | null
    groups: string[]
    mappedBy: string | null
  }
  decision?: SimulateDecision
  /** remarks that do not change the verdict */
  notes: string[]
}

const why = (x: Skip | Failed): string => (isSkip(x) ? x.skip : x.error)

function credentialCause(kind: Failed['kind']): Cause | undefined {
  return kind === 'credentials-missing' || kind === 'credentials-expired' ? kind : undefined
}

/** The only entry point. */
export function diagnose(ev: WhoamiEvidence): WhoamiResult {
  const steps: Step[] = []
  const notes: string[] = []
  const identity: WhoamiResult['identity'] = {arn: null, canonicalArn: null, groups: [], mappedBy: null, username: null}
  const now = new Date(ev.now)
  let verdict: Verdict | undefined
  let cause: Cause | undefined
  let sentence = ''
  /** the first failure in pipeline order decides; later steps are still shown */
  const decide = (v: Verdict, c: Cause, s: string): void => {
    if (verdict !== undefined) return
    verdict = v
    cause = c
    sentence = s
  }
  const add = (step: StepName, status: StepStatus, detail: string, evidence?: Record<string, unknown>): void => {
    steps.push({detail, status, step, ...(evidence ? {evidence} : {})})
  }

  // ---- kubeconfig and exec plugin
  if (ev.kubeconfig === undefined) add('kubeconfig', 'skip', ev.mode === 'offline' ? 'offline: no kubeconfig read' : 'not read')
  else if (isFailed(ev.kubeconfig)) add('kubeconfig', 'fail', ev.kubeconfig.error)
  else {
    const k = ev.kubeconfig
    add('kubeconfig', 'ok', `context ${k.context} in ${k.files.join(', ')}: cluster ${k.cluster} at ${k.server}, user ${k.user} (${k.auth})`, {...k})
  }
  const plugin = ev.plugin && !isSkip(ev.plugin) ? ev.plugin : undefined
  let pluginClusterMismatch: string | undefined
  if (ev.plugin === undefined) add('exec-plugin', 'skip', ev.mode === 'offline' ? 'offline: no exec plugin' : 'the kubeconfig user has no exec plugin')
  else if (isSkip(ev.plugin)) add('exec-plugin', 'skip', ev.plugin.skip)
  else {
    const p = ev.plugin
    const said = [
      p.clusterName ? `cluster name ${p.clusterName}` : undefined,
      p.region ? `region ${p.region}` : undefined,
      p.profile ? `profile ${p.profile}` : undefined,
      p.roleArn ? `role ${p.roleArn}` : undefined,
    ].filter(Boolean)
    const envText = Object.keys(p.env).length > 0 ? `; env ${Object.entries(p.env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''
    const warns: string[] = []
    if ((p.profile ?? '') !== (p.shellProfile ?? '') && (p.profile || p.shellProfile)) {
      warns.push(`it uses AWS profile ${p.profile ?? '(default chain)'}, your shell ${p.shellProfile ?? '(default chain)'}`)
    }
    if (p.roleArn) warns.push(`it signs as role ${p.roleArn}, not as your shell's identity`)
    if (p.clusterName && ev.cluster && ev.cluster.name !== p.clusterName) {
      pluginClusterMismatch = `the exec plugin signs tokens for cluster name "${p.clusterName}" but the cluster is "${ev.cluster.name}" (${ev.cluster.source})`
      warns.push(pluginClusterMismatch)
    }
    add(
      'exec-plugin',
      pluginClusterMismatch ? 'fail' : warns.length > 0 ? 'warn' : 'ok',
      `${[p.command, ...p.args].join(' ')}${said.length > 0 ? ` (${said.join(', ')})` : ''}${envText}${warns.length > 0 ? `: ${warns.join('; ')}` : ''}`,
      {...p},
    )
  }

  // ---- credentials (the plugin could not sign, or STS refused the keys)
  const callerFailed = ev.caller && isFailed(ev.caller) ? ev.caller : undefined
  const credFailed = (ev.credentials && isFailed(ev.credentials) ? ev.credentials : undefined) ?? (callerFailed && credentialCause(callerFailed.kind) ? callerFailed : undefined)
  if (credFailed) {
    const c = credentialCause(credFailed.kind) ?? 'credentials-missing'
    add('credentials', 'fail', credFailed.error)
    const who = plugin?.profile ? `profile ${plugin.profile}` : 'the exec plugin'
    decide(
      'unauthorized',
      c,
      c === 'credentials-expired'
        ? `The AWS credentials of ${who} have expired, so no valid token can be signed: ${credFailed.fix ?? 'refresh them (aws sso login)'} and retry.`
        : `No usable AWS credentials for ${who}, so no token can be signed: ${credFailed.fix ?? 'configure them (aws configure / aws sso login) or fix AWS_PROFILE in the exec env'}.`,
    )
  } else if (ev.credentials && !isFailed(ev.credentials)) add('credentials', 'ok', ev.credentials.detail)
  else if (ev.caller && !isFailed(ev.caller) && !isSkip(ev.caller) && ev.caller.source === 'sts') add('credentials', 'ok', 'STS accepted the credentials')
  else add('credentials', 'skip', ev.mode === 'offline' ? 'offline: no credentials used' : 'not checked')

  // ---- token
  if (ev.token === undefined) {
    if (pluginClusterMismatch) {
      add('token', 'fail', pluginClusterMismatch)
      decide('unauthorized', 'token-wrong-cluster', `${cap(pluginClusterMismatch)}, so STS rejects the signature (SignatureDoesNotMatch): set --cluster-name ${ev.cluster!.name} in the kubeconfig exec args.`)
    } else add('token', 'skip', ev.mode === 'offline' ? 'no --token given' : 'no token obtained')
  } else if (isSkip(ev.token)) add('token', 'skip', ev.token.skip)
  else if (isFailed(ev.token)) {
    add('token', 'fail', ev.token.error)
    decide('unauthorized', 'token-invalid', `The exec plugin did not produce a token (${ev.token.error}): ${ev.token.fix ?? 'run the plugin command by hand and fix what it reports'}.`)
  } else {
    const t = ev.token
    const c = t.check
    const ev2 = {...c, source: t.source, ...(t.callerArn ? {callerArn: t.callerArn} : {})}
    const signedAt = c.signedAt ? new Date(c.signedAt) : undefined
    const ahead = signedAt ? signedAt.getTime() - now.getTime() : 0
    if (!c.valid && c.reason === 'expired') {
      const late = signedAt ? Math.round((now.getTime() - signedAt.getTime()) / 60_000) : undefined
      add('token', 'fail', `${c.message}`, ev2)
      if (t.source === 'plugin') {
        decide('unauthorized', 'clock-skew', `The exec plugin just returned a token signed at ${c.signedAt}, ${late} minutes before this machine's clock (${ev.now}): sync the clock (NTP) or delete the plugin's cached token.`)
      } else {
        decide('unauthorized', 'token-expired', `The token expired at ${c.expiresAt} (tokens live 15 minutes from X-Amz-Date ${c.signedAt}, whatever X-Amz-Expires says): get a fresh token, and do not cache it longer than 14 minutes.`)
      }
    } else if (c.valid && ahead > 5 * 60_000) {
      add('token', 'fail', `token signed at ${c.signedAt}, ${Math.round(ahead / 60_000)} minutes in the future of this clock`, ev2)
      decide('unauthorized', 'clock-skew', `The token is signed ${Math.round(ahead / 60_000)} minutes ahead of this machine's clock (${ev.now}), which STS refuses: sync the clock (NTP) of the machine that signs tokens.`)
    } else if (!c.valid && c.reason === 'bad-signature' && pluginClusterMismatch) {
      add('token', 'fail', `${c.message}; ${pluginClusterMismatch}`, ev2)
      decide('unauthorized', 'token-wrong-cluster', `${cap(pluginClusterMismatch)}, so STS rejects the signature (SignatureDoesNotMatch): set --cluster-name ${ev.cluster!.name} in the kubeconfig exec args.`)
    } else if (!c.valid && c.reason === 'bad-signature') {
      add('token', 'fail', c.message, ev2)
      decide('unauthorized', 'token-wrong-cluster', `The token was minted for another cluster name than "${c.clusterId ?? ev.cluster?.name ?? '?'}" (its signed x-k8s-aws-id differs), so STS answers SignatureDoesNotMatch: mint it with --cluster-name ${c.clusterId ?? ev.cluster?.name ?? 'CLUSTER'} (kubeconfig exec args).`)
    } else if (!c.valid) {
      add('token', 'fail', `${c.reason}: ${c.message}`, ev2)
      decide('unauthorized', 'token-invalid', `The token fails the authenticator's check "${c.reason}" (${c.message}): use a token from \`aws eks get-token\` or \`eksauth token\`, unmodified.`)
    } else if (pluginClusterMismatch) {
      add('token', 'fail', `${c.message}; but ${pluginClusterMismatch}`, ev2)
      decide('unauthorized', 'token-wrong-cluster', `${cap(pluginClusterMismatch)}, so STS rejects the signature (SignatureDoesNotMatch): set --cluster-name ${ev.cluster!.name} in the kubeconfig exec args.`)
    } else {
      add('token', 'ok', `${t.source === 'flag' ? 'given token' : 'token from the exec plugin'}: ${c.message}`, ev2)
    }
  }

  // ---- STS identity
  const caller = ev.caller && !isFailed(ev.caller) && !isSkip(ev.caller) ? ev.caller : undefined
  const shell = ev.shellCaller && !isFailed(ev.shellCaller) ? ev.shellCaller : undefined
  if (ev.caller === undefined) add('sts-identity', 'skip', 'no caller ARN: pass --arn (offline) or let whoami ask STS')
  else if (isSkip(ev.caller)) add('sts-identity', 'skip', ev.caller.skip)
  else if (isFailed(ev.caller)) {
    add('sts-identity', 'fail', ev.caller.error)
    if (!credentialCause(ev.caller.kind)) decide('unknown', 'unknown', `STS GetCallerIdentity failed (${ev.caller.error}): ${ev.caller.fix ?? 'fix access to STS and rerun'}.`)
  } else {
    const c = ev.caller
    identity.arn = c.arn
    const from =
      c.source === 'sts'
        ? `STS GetCallerIdentity with the exec plugin's credentials${c.profile ? ` (profile ${c.profile})` : ''}${c.roleArn ? ` (role ${c.roleArn})` : ''}`
        : c.source === 'token'
          ? 'STS replay of the token'
          : '--arn'
    const differs = shell && shell.arn !== c.arn
    add(
      'sts-identity',
      differs ? 'warn' : 'ok',
      `${c.arn} (account ${c.account || '?'}${c.userId ? `, UserId ${c.userId}` : ''}), from ${from}${differs ? `; your shell is ${shell.arn}${shell.profile ? ` (profile ${shell.profile})` : ''}` : ''}`,
      {...c, ...(shell ? {shellArn: shell.arn} : {})},
    )
  }

  // ---- mapping (mode, access entries, aws-auth) through resolveIdentity
  const awsAuth = ev.awsAuth && !isSkip(ev.awsAuth) && !isFailed(ev.awsAuth) ? ev.awsAuth : undefined
  const entries = ev.accessEntries && !isSkip(ev.accessEntries) && !isFailed(ev.accessEntries) ? ev.accessEntries : undefined
  const modeEv = ev.authMode && !isSkip(ev.authMode) && !isFailed(ev.authMode) ? ev.authMode : undefined
  const mode = modeEv?.mode
  let resolved: SimulateResult | undefined
  const resolveFor = (arn: string, userId?: string): SimulateResult | undefined => {
    try {
      return resolveIdentity(
        {arn, ...(userId ? {userId} : {})},
        {
          ...(awsAuth ? {awsAuth: awsAuth.analysis.view, droppedSectionArns: awsAuth.analysis.droppedSectionArns, lineOf: awsAuth.analysis.lineOf} : {}),
          ...(entries ? {accessEntries: entries.entries} : {}),
          ...(mode ? {authMode: mode} : {}),
        },
      )
    } catch {
      return undefined
    }
  }
  if (caller) {
    resolved = resolveFor(caller.arn, caller.userId || undefined)
    if (!resolved) {
      add('canonical-arn', 'fail', `${caller.arn} is not an ARN the authenticator accepts`)
      decide('unauthorized', 'not-mapped', `The caller ARN ${caller.arn} cannot be canonicalised, so no mapping can match: sign with an IAM role or user.`)
    } else {
      identity.canonicalArn = resolved.canonicalArn
      add('canonical-arn', 'ok', resolved.canonicalArn === caller.arn ? `${resolved.canonicalArn} (used as it is)` : `${resolved.canonicalArn} (assumed-role -> IAM role; session dropped)`)
    }
  } else add('canonical-arn', 'skip', 'no caller ARN')

  // mode
  if (modeEv) add('auth-mode', 'ok', `${mode ?? '?'} (${modeEv.source})${mode === 'API' ? ': aws-auth is ignored' : mode === 'CONFIG_MAP' ? ': access entries are not used' : ': access entries first, then aws-auth'}`, {mode, source: modeEv.source})
  else {
    const assumed = entries ? 'API_AND_CONFIG_MAP' : 'CONFIG_MAP'
    add('auth-mode', 'skip', `${ev.authMode ? why(ev.authMode as Skip | Failed) : 'unknown'}; assuming ${assumed} (pass --auth-mode to say)`)
  }

  const m = resolved?.mapping
  // access entries
  if (!entries) add('access-entry', 'skip', ev.accessEntries ? why(ev.accessEntries as Skip | Failed) : 'no access entries read (pass --access-entries FILE)')
  else if (mode === 'CONFIG_MAP') add('access-entry', 'skip', 'mode CONFIG_MAP: access entries are not used')
  else if (m?.source === 'accessEntry') {
    add('access-entry', 'ok', `${m.arn} -> username ${JSON.stringify(m.username)}, groups ${m.groups.join(', ') || '(none)'}${m.accessPolicies?.length ? `, policies ${m.accessPolicies.map((a) => a.policyArn.split('/').at(-1)).join(', ')}` : ''}`, {
      principalArn: m.arn,
      groups: m.groups,
      username: m.username,
    })
  } else add('access-entry', resolved ? 'fail' : 'skip', resolved ? `no access entry for ${resolved.canonicalArn} among ${entries.entries.length} (${entries.source})` : 'no caller ARN')

  // aws-auth
  const view = awsAuth?.analysis.view
  let awsAuthHit: {where: string; groups: string[]; username: string} | undefined
  if (resolved && view && resolved.canonicalArn) {
    const key = lookupKey(resolved.canonicalArn)
    const hit = view.roleIndex.get(key) ?? [...view.userIndex.values()].find((u) => lookupKey(u.arn) === key)
    if (hit) {
      const line = awsAuth!.analysis.lineOf(hit)
      awsAuthHit = {groups: hit.groups, username: hit.username, where: `${hit.section} entry ${hit.index + 1}${line ? ` (line ${line})` : ''}`}
    }
  }
  if (!awsAuth) add('aws-auth', 'skip', ev.awsAuth ? why(ev.awsAuth as Skip | Failed) : 'no aws-auth read (pass --aws-auth FILE)')
  else if (mode === 'API') add('aws-auth', awsAuthHit ? 'warn' : 'skip', `mode API ignores aws-auth${awsAuthHit ? `; ${awsAuthHit.where} maps this principal for nothing` : ''}`)
  else if (m && m.source !== 'accessEntry') {
    add('aws-auth', 'ok', `${resolved!.reason}: username ${JSON.stringify(m.username)}, groups ${m.groups.join(', ') || '(none)'} (${awsAuth.source})`, {
      groups: m.groups,
      line: m.line,
      section: m.source,
      username: m.username,
    })
  } else if (m?.source === 'accessEntry') {
    add('aws-auth', awsAuthHit ? 'warn' : 'skip', awsAuthHit ? `${awsAuthHit.where} also maps this principal and is ignored: the access entry wins (E2)` : 'not consulted: the access entry decided')
  } else if (resolved) add('aws-auth', 'fail', `${resolved.reason} (${awsAuth.source})`)
  else add('aws-auth', 'skip', 'no caller ARN')

  if (resolved) notes.push(...resolved.notes)

  // ---- verdict of the mapping
  const mappedUser = resolved?.user
  if (resolved && resolved.authenticated && mappedUser) {
    identity.username = mappedUser.username
    identity.groups = mappedUser.groups
    identity.mappedBy = resolved.reason
  } else if (resolved && resolved.diagnosis !== 'canonicalized-only') {
    const d = resolved.diagnosis
    const c: Cause = d === 'mapped' ? 'not-mapped' : d
    const alt = c === 'not-mapped' ? wrongIdentity(ev, resolved, caller!, shell, resolveFor) : undefined
    if (alt) decide('unauthorized', alt.cause, alt.sentence)
    else decide('unauthorized', c, mappingSentence(c, resolved, mode))
  }

  // ---- RBAC
  let decision: SimulateDecision | undefined
  if (!ev.request) add('rbac', 'skip', 'no request asked (--verb/--resource)')
  else if (!mappedUser) add('rbac', 'skip', `${describeRequest(ev.request)}: not authenticated, RBAC never runs`)
  else {
    const rbac = ev.rbac && !isSkip(ev.rbac) && !isFailed(ev.rbac) ? ev.rbac : undefined
    if (!rbac && !mappedUser.groups.includes(MASTERS_GROUP)) {
      add('rbac', 'skip', `${describeRequest(ev.request)}: ${ev.rbac ? why(ev.rbac as Skip | Failed) : 'no RBAC read (pass --manifests)'}`)
    } else {
      const full = authorize(resolved!, {request: ev.request, ...(rbac ? {rbac: rbac.objects} : {}), ...(entries ? {accessEntries: entries.entries} : {})})
      decision = full.decision
      if (decision?.allowed) add('rbac', 'ok', decision.reason)
      else if (decision) {
        add('rbac', 'fail', decision.reason)
        decide('forbidden', 'rbac-denied', rbacSentence(mappedUser, ev.request, rbac?.objects))
      }
    }
  }

  // ---- SelfSubjectReview
  const sr = ev.selfReview
  if (sr === undefined) add('self-subject-review', 'skip', ev.mode === 'offline' ? 'offline: the API server is not asked' : 'not asked')
  else if (isSkip(sr)) add('self-subject-review', 'skip', sr.skip)
  else if ('status' in sr) {
    add('self-subject-review', 'fail', `the API server answered ${sr.status}: ${sr.message}`)
    if (sr.status === 401) {
      decide(
        'unauthorized',
        'server-rejected',
        mappedUser
          ? `The API server rejects the kubeconfig's credentials although every step above passed: check that the exec plugin's token is for this cluster and that the mapping above is the one the cluster has (re-read aws-auth and access entries).`
          : `The API server rejects ${identity.canonicalArn ?? 'the kubeconfig\'s credentials'} (401) and the mappings could not be read to say why: have a cluster admin map ${identity.canonicalArn ?? 'your identity'} (access entry or aws-auth), or rerun with --aws-auth / --access-entries files.`,
      )
    }
  } else {
    const predicted = mappedUser
    const same = !predicted || (predicted.username === sr.username && [...predicted.groups].sort().join(',') === [...sr.groups].sort().join(','))
    add('self-subject-review', same ? 'ok' : 'warn', `the API server says you are ${JSON.stringify(sr.username)} in groups ${sr.groups.join(', ') || '(none)'}${same ? '' : ` (the evidence above predicted ${JSON.stringify(predicted!.username)} in ${predicted!.groups.join(', ')})`}`, {...sr})
    if (!mappedUser) {
      identity.username = sr.username
      identity.groups = sr.groups
      identity.mappedBy = 'SelfSubjectReview'
    }
    if (verdict === 'unauthorized' && cause && !['rbac-denied'].includes(cause)) {
      notes.push(`the evidence predicted "${cause}", but the API server accepted the credentials: some source above was incomplete`)
      verdict = undefined
      cause = undefined
      sentence = ''
    }
  }

  // ---- warnings that do not reject (only when nothing rejects)
  if (verdict === undefined) {
    if (!mappedUser && !(sr && !isSkip(sr) && !('status' in sr))) {
      decide('unknown', 'unknown', unknownSentence(ev, caller))
    } else {
      const w = warning(ev, resolved, awsAuthHit, view)
      if (w) {
        const st = steps.find((x) => x.step === 'aws-auth')
        if (st && st.status === 'ok') st.status = 'warn'
        decide('ok', w.cause, w.sentence)
      }
      else {
        const u = identity.username ?? '?'
        decide(
          'ok',
          'ok',
          `You are authenticated as ${JSON.stringify(u)} (groups ${identity.groups.join(', ') || 'none'})${decision ? ` and ${describeRequest(ev.request!)} is allowed` : ''}: nothing to change.`,
        )
      }
    }
  }

  return {
    cause: cause ?? 'unknown',
    ...(decision ? {decision} : {}),
    identity,
    notes,
    sentence,
    steps,
    verdict: verdict ?? 'unknown',
  }
}

/** Capitalise a sentence, but not when it starts with an identifier (mapRoles, an ARN). */
const cap = (s: string): string => (/^(map[A-Z]|arn:)/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1))

function mappingSentence(c: Cause, r: SimulateResult, mode?: AuthenticationMode): string {
  const arn = r.canonicalArn ?? r.input.arn
  const reason = r.reason.replace(/\s*\([A-Z]\d\)/g, '')
  switch (c) {
    case 'path-in-role-arn':
    case 'sts-arn-entry':
    case 'section-dropped':
    case 'template-error':
    case 'mode-api-ignores-aws-auth':
      return `${cap(reason)}.`
    case 'malformed-user-id':
      return `${cap(reason.replace(/; the authenticator rejects the token$/, ''))}, and the authenticator rejects this one: pass --user-id exactly as \`aws sts get-caller-identity\` prints it.`
    default:
      return mode === 'API'
        ? `${arn} has no access entry and the cluster's mode API uses nothing else: create one (aws eks create-access-entry --principal-arn ${arn}).`
        : `${arn} is mapped nowhere (no access entry, no aws-auth mapRoles/mapUsers/mapAccounts entry): add one (eksauth map-role / map-user, or an access entry).`
  }
}

/** F1/F8: an unmapped caller that is not who the cluster expects (another profile of the shell, another account). */
function wrongIdentity(
  ev: WhoamiEvidence,
  r: SimulateResult,
  caller: CallerEvidence,
  shell: (CallerIdentityInfo & {profile?: string}) | undefined,
  resolveFor: (arn: string, userId?: string) => SimulateResult | undefined,
): {cause: Cause; sentence: string} | undefined {
  if (shell && shell.arn !== caller.arn) {
    const s = resolveFor(shell.arn, shell.userId || undefined)
    if (s?.authenticated) {
      const how = caller.roleArn ? `assumes ${caller.roleArn}` : caller.profile ? `uses profile ${caller.profile}` : 'uses other credentials'
      const fix = caller.roleArn
        ? `remove --role-arn ${caller.roleArn} from the exec args (or map ${r.canonicalArn})`
        : `set AWS_PROFILE in the kubeconfig exec env to ${shell.profile ?? 'your shell\'s profile'} (or map ${r.canonicalArn})`
      return {cause: 'wrong-profile', sentence: `The exec plugin ${how} and signs as ${caller.arn}, which is not mapped, while your shell's identity ${shell.arn} is: ${fix}.`}
    }
  }
  // the cluster's account: DescribeCluster / the cluster ARN, else the one account every mapping names
  let account = ev.cluster?.accountId
  let how = 'the cluster ARN'
  if (!account) {
    const accounts = new Set<string>()
    const aa = ev.awsAuth && 'analysis' in ev.awsAuth ? ev.awsAuth.analysis.view : undefined
    for (const e of [...(aa?.roles ?? []), ...(aa?.users ?? [])]) accounts.add(accountOf(e.arn) ?? '')
    for (const a of aa?.accounts ?? []) accounts.add(a.account)
    if (ev.accessEntries && 'entries' in ev.accessEntries) for (const e of ev.accessEntries.entries) accounts.add(accountOf(e.principalArn) ?? '')
    accounts.delete('')
    if (accounts.size === 1) {
      account = [...accounts][0]
      how = 'every mapping of the cluster'
    }
  }
  const mine = r.principal?.accountId
  if (account && mine && account !== mine) {
    return {
      cause: 'wrong-account',
      sentence: `You are signing as ${caller.arn} in account ${mine}, but the cluster belongs to account ${account} (${how}): switch to a profile of account ${account} (AWS_PROFILE in the exec env), or map ${r.canonicalArn}.`,
    }
  }
  // a different principal with the same name (role vs user, other account, other partition)
  const name = (() => {
    try {
      return iamName(r.canonicalArn ?? '').toLowerCase()
    } catch {
      return ''
    }
  })()
  if (name) {
    const cands: Array<{where: string; arn: string}> = []
    const aa = ev.awsAuth && 'analysis' in ev.awsAuth ? ev.awsAuth.analysis : undefined
    for (const e of [...(aa?.view.roles ?? []), ...(aa?.view.users ?? [])]) {
      if (!e.arn || e.invalid) continue
      let n = ''
      try {
        n = iamName(e.arn).toLowerCase()
      } catch {
        continue
      }
      if (n === name) {
        const line = aa!.lineOf(e)
        cands.push({arn: e.arn, where: `${e.section} entry ${e.index + 1}${line ? ` (line ${line})` : ''}`})
      }
    }
    if (ev.accessEntries && 'entries' in ev.accessEntries) {
      for (const e of ev.accessEntries.entries) {
        try {
          if (iamName(e.principalArn).toLowerCase() === name) cands.push({arn: e.principalArn, where: 'an access entry'})
        } catch {
          // not an IAM ARN
        }
      }
    }
    const c = cands[0]
    if (c) {
      return {
        cause: 'different-principal',
        sentence: `${cap(c.where)} maps ${c.arn}, a different principal from ${r.canonicalArn} (same name, other ${differsIn(c.arn, r.canonicalArn ?? '')}): map ${r.canonicalArn} itself, or sign as ${c.arn}.`,
      }
    }
  }
  return undefined
}

function accountOf(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1]
}

function differsIn(a: string, b: string): string {
  const pa = a.split(':')
  const pb = b.split(':')
  if (pa[1] !== pb[1]) return 'partition'
  if (pa[4] !== pb[4]) return 'account'
  if ((pa[5] ?? '').split('/')[0] !== (pb[5] ?? '').split('/')[0]) return 'kind (role vs user)'
  return 'path'
}

/** F5 and the RBAC question: name the binding that is missing. */
function rbacSentence(user: {username: string; groups: string[]}, req: AccessRequest, objects?: RbacObjects): string {
  const ns = isNonResourceRequest(req) ? undefined : req.namespace || undefined
  const candidates = (objects?.clusterRoles ?? [])
    .filter((r) => r.rules.some((rule) => ruleAllows(rule, req)))
    .sort((a, b) => a.rules.length - b.rules.length || a.name.localeCompare(b.name))
  const role = candidates.find((r) => ['view', 'edit', 'admin'].includes(r.name)) ?? candidates.find((r) => r.name !== 'cluster-admin') ?? candidates[0]
  const safe = `${user.username.replace(/[^a-z0-9.-]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'user'}`
  const verb = req.verb
  const what = isNonResourceRequest(req) ? req.nonResourceURL : req.subresource ? `${req.resource}/${req.subresource}` : req.resource
  const groups = user.groups.filter((g) => g !== 'system:authenticated')
  const subject = groups.length > 0 && user.username.startsWith('arn:') ? `--group=${groups[0]}` : `--user=${user.username}`
  const roleText = role ? `--clusterrole=${role.name}` : `--clusterrole=<a ClusterRole that allows ${verb} ${what}>`
  const binding = ns
    ? `kubectl create rolebinding ${safe}-${verb}-${what.replace(/\W+/g, '-')} ${roleText} ${subject} -n ${ns}`
    : `kubectl create clusterrolebinding ${safe}-${verb}-${what.replace(/\W+/g, '-')} ${roleText} ${subject}`
  return `Authenticated as ${JSON.stringify(user.username)} (groups ${user.groups.join(', ')}) but no RBAC rule allows ${describeRequest(req)}: add the missing ${ns ? 'RoleBinding' : 'ClusterRoleBinding'}, e.g. \`${binding}\`.`
}

function warning(
  ev: WhoamiEvidence,
  r: SimulateResult | undefined,
  awsAuthHit: {where: string; groups: string[]; username: string} | undefined,
  view: AwsAuthAnalysis['view'] | undefined,
): {cause: Cause; sentence: string} | undefined {
  const m = r?.mapping
  if (!r || !m) return undefined
  if (m.source === 'accessEntry' && awsAuthHit) {
    const a = [...awsAuthHit.groups].sort().join(',')
    const b = [...m.groups].sort().join(',')
    if (a !== b || awsAuthHit.username !== m.usernameTemplate) {
      return {
        cause: 'access-entry-overrides-aws-auth',
        sentence: `The access entry for ${m.arn} wins over ${awsAuthHit.where}, so you get groups ${m.groups.join(', ') || '(none)'} instead of ${awsAuthHit.groups.join(', ') || '(none)'}: put the groups you want on the access entry (aws eks update-access-entry --kubernetes-groups) and remove the aws-auth entry.`,
      }
    }
  }
  if (view && (m.source === 'mapRoles' || m.source === 'mapUsers') && r.canonicalArn) {
    const key = lookupKey(r.canonicalArn)
    const list = m.source === 'mapRoles' ? view.roles : view.users
    const earlier = list.filter((e) => e.index < m.index && !e.invalid && lookupKey(e.arn) === key)
    const differing = earlier.find((e) => e.username !== m.usernameTemplate || [...e.groups].sort().join(',') !== [...m.groupTemplates].sort().join(','))
    if (differing) {
      const lineOf = ev.awsAuth && 'analysis' in ev.awsAuth ? ev.awsAuth.analysis.lineOf : () => undefined
      const l1 = lineOf(differing)
      return {
        cause: 'shadowed-duplicate',
        sentence: `${m.source} entry ${differing.index + 1}${l1 ? ` (line ${l1})` : ''} (groups ${differing.groups.join(', ') || 'none'}) is shadowed by the later entry ${m.index + 1}${m.line ? ` (line ${m.line})` : ''} for the same ARN, which wins with groups ${m.groups.join(', ') || 'none'}: delete one of the two so aws-auth says what it means.`,
      }
    }
    if (m.arn !== r.canonicalArn && lookupKey(m.arn) === key) {
      return {
        cause: 'case-mismatch',
        sentence: `${m.source} entry ${m.index + 1}${m.line ? ` (line ${m.line})` : ''} writes ${m.arn}, which differs from ${r.canonicalArn} only in letter case and still matches (EKS compares lower-cased): nothing breaks, but write it as ${r.canonicalArn}.`,
      }
    }
  }
  return undefined
}

function unknownSentence(ev: WhoamiEvidence, caller: CallerEvidence | undefined): string {
  if (!caller) return 'No caller identity: pass --arn ARN (offline) or fix the STS call, then rerun.'
  const missing: string[] = []
  if (!(ev.awsAuth && 'analysis' in ev.awsAuth)) missing.push('aws-auth')
  if (!(ev.accessEntries && 'entries' in ev.accessEntries)) missing.push('access entries')
  return `${caller.arn} could not be checked against the cluster's mappings (${missing.join(' and ') || 'none'} unreadable): pass --aws-auth / --access-entries files, or run as someone who can read them.`
}

/** For renderers: the canonical ARN or the given one (never throws). */
export function safeCanonical(arn: string): string {
  try {
    return canonicalize(arn).canonicalArn
  } catch {
    return arn
  }
}
