/**
 * Loads the kubeconfig the way kubectl does: `--kubeconfig FILE`, else every file of `KUBECONFIG` merged (the first
 * file to define a name or current-context wins, missing files are skipped), else ~/.kube/config; `--context` picks a
 * context. Exec credential plugins (`aws eks get-token`) are left to client-node, which runs them per request.
 * This is one of the few files that touch @kubernetes/client-node, and only through a dynamic import.
 */
import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, join, resolve} from 'node:path'

import type {Cluster, Context, KubeConfig, User} from '@kubernetes/client-node'

import {EksauthError, ExitCode} from '../../core/errors.js'

export type K8sModule = typeof import('@kubernetes/client-node')

let k8sModule: Promise<K8sModule> | undefined
/** The client-node module, imported once and only when a command needs the cluster (it costs ~400 ms). */
export const loadK8s = (): Promise<K8sModule> => (k8sModule ??= import('@kubernetes/client-node'))

export interface KubeconfigSelection {
  /** --kubeconfig */
  kubeconfig?: string
  /** --context */
  context?: string
  /** for tests: the environment to read KUBECONFIG and HOME from (default process.env) */
  env?: NodeJS.ProcessEnv
}

export interface ExecPluginInfo {
  command: string
  args: string[]
  /** the plugin's extra environment; values of secret-looking names are masked */
  env: Record<string, string>
  apiVersion?: string
}

export type AuthKind = 'token' | 'exec' | 'client-certificate' | 'basic' | 'auth-provider' | 'none'

/** What `whoami` and error messages say about the selected context. Never holds a credential. */
export interface KubeconfigDescription {
  /** the kubeconfig files that were read, in merge order */
  files: string[]
  context: string
  /** the cluster entry's name (for EKS kubeconfigs usually the cluster ARN) */
  cluster: string
  /** the EKS cluster name when it can be told (from an ARN-shaped cluster name or `--cluster-name` of the plugin) */
  clusterName: string
  server: string
  user: string
  namespace?: string
  auth: AuthKind
  exec?: ExecPluginInfo
}

export interface LoadedKubeconfig {
  kc: KubeConfig
  description: KubeconfigDescription
}

const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|SESSION|CREDENTIAL|PRIVATE/i

function kubeconfigFiles(sel: KubeconfigSelection): {files: string[]; origin: string} {
  const env = sel.env ?? process.env
  if (sel.kubeconfig) {
    const file = resolve(sel.kubeconfig)
    if (!existsSync(file)) {
      throw new EksauthError(`kubeconfig ${sel.kubeconfig} does not exist`, {code: 'E_KUBECONFIG_MISSING', exit: ExitCode.NOT_FOUND})
    }
    return {files: [file], origin: `--kubeconfig ${sel.kubeconfig}`}
  }
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean)
  if (list.length > 0) {
    const files = [...new Set(list.map((f) => resolve(f)))].filter((f) => existsSync(f))
    if (files.length === 0) {
      throw new EksauthError(`none of the KUBECONFIG files exist: ${list.join(delimiter)}`, {
        code: 'E_KUBECONFIG_MISSING',
        exit: ExitCode.NOT_FOUND,
      })
    }
    return {files, origin: `KUBECONFIG=${list.join(delimiter)}`}
  }
  const file = join(env.HOME || homedir(), '.kube', 'config')
  if (!existsSync(file)) {
    throw new EksauthError(`no kubeconfig: ${file} does not exist and KUBECONFIG is not set`, {
      code: 'E_KUBECONFIG_MISSING',
      exit: ExitCode.NOT_FOUND,
      suggestions: ['run `aws eks update-kubeconfig --name CLUSTER`, or pass --kubeconfig FILE'],
    })
  }
  return {files: [file], origin: file}
}

function authKind(user: User): AuthKind {
  if (user.exec) return 'exec'
  if (user.authProvider) return 'auth-provider'
  if (user.token) return 'token'
  if (user.certData || user.certFile) return 'client-certificate'
  if (user.username) return 'basic'
  return 'none'
}

function execInfo(user: User): ExecPluginInfo | undefined {
  const exec = user.exec as {command?: string; args?: string[]; env?: Array<{name: string; value: string}>; apiVersion?: string} | undefined
  if (!exec?.command) return undefined
  const env: Record<string, string> = {}
  for (const e of exec.env ?? []) env[e.name] = SECRET_NAME.test(e.name) ? '***' : String(e.value)
  return {command: exec.command, args: [...(exec.args ?? [])], env, ...(exec.apiVersion ? {apiVersion: exec.apiVersion} : {})}
}

/** `prod` from `arn:aws:eks:eu-west-1:111122223333:cluster/prod`, or the value of the plugin's --cluster-name. */
function eksClusterName(cluster: string, exec?: ExecPluginInfo): string {
  const arn = /^arn:aws[\w-]*:eks:[^:]*:\d*:cluster\/(.+)$/.exec(cluster)
  if (arn?.[1]) return arn[1]
  const args = exec?.args ?? []
  const i = args.findIndex((a) => a === '--cluster-name' || a === '-i' || a === '--cluster-id')
  if (i >= 0 && args[i + 1]) return args[i + 1]!
  const eq = args.find((a) => a.startsWith('--cluster-name='))
  return eq ? eq.slice('--cluster-name='.length) : cluster
}

/** Loads, merges and selects; throws EksauthError NOT_FOUND / BAD_INPUT with the available contexts named. */
export async function loadKubeconfig(sel: KubeconfigSelection = {}): Promise<LoadedKubeconfig> {
  const {files, origin} = kubeconfigFiles(sel)
  const k8s = await loadK8s()
  const clusters: Cluster[] = []
  const users: User[] = []
  const contexts: Context[] = []
  let currentContext = ''
  for (const file of files) {
    const one = new k8s.KubeConfig()
    try {
      one.loadFromFile(file, {onInvalidEntry: 'filter'})
    } catch (e) {
      throw new EksauthError(`kubeconfig ${file} cannot be read: ${firstLine((e as Error).message)}`, {
        code: 'E_KUBECONFIG_INVALID',
        exit: ExitCode.BAD_INPUT,
      })
    }
    // kubectl's merge: the first file to set a name (or current-context) wins
    for (const c of one.getClusters()) if (!clusters.some((x) => x.name === c.name)) clusters.push(c)
    for (const u of one.getUsers()) if (!users.some((x) => x.name === u.name)) users.push(u)
    for (const c of one.getContexts()) if (!contexts.some((x) => x.name === c.name)) contexts.push(c)
    if (!currentContext && one.getCurrentContext()) currentContext = one.getCurrentContext()
  }
  const available = contexts.map((c) => c.name)
  const availableText = available.length > 0 ? `available contexts: ${available.join(', ')}` : 'it has no contexts'
  const name = sel.context || currentContext
  if (!name) {
    throw new EksauthError(`the kubeconfig (${origin}) has no current-context; pass --context (${availableText})`, {
      code: 'E_CONTEXT_NOT_FOUND',
      exit: ExitCode.NOT_FOUND,
    })
  }
  const context = contexts.find((c) => c.name === name)
  if (!context) {
    throw new EksauthError(`context "${name}" not found in the kubeconfig (${origin}); ${availableText}`, {
      code: 'E_CONTEXT_NOT_FOUND',
      exit: ExitCode.NOT_FOUND,
      details: {contexts: available},
    })
  }
  const cluster = clusters.find((c) => c.name === context.cluster)
  if (!cluster) {
    throw new EksauthError(`context "${name}" refers to cluster "${context.cluster}", which the kubeconfig (${origin}) does not define`, {
      code: 'E_KUBECONFIG_INVALID',
      exit: ExitCode.BAD_INPUT,
    })
  }
  const user = users.find((u) => u.name === context.user)
  if (!user) {
    throw new EksauthError(`context "${name}" refers to user "${context.user}", which the kubeconfig (${origin}) does not define`, {
      code: 'E_KUBECONFIG_INVALID',
      exit: ExitCode.BAD_INPUT,
    })
  }
  const kc = new k8s.KubeConfig()
  kc.loadFromOptions({clusters, users, contexts, currentContext: name})
  const exec = execInfo(user)
  return {
    kc,
    description: {
      files,
      context: name,
      cluster: cluster.name,
      clusterName: eksClusterName(cluster.name, exec),
      server: cluster.server,
      user: user.name,
      ...(context.namespace ? {namespace: context.namespace} : {}),
      auth: authKind(user),
      ...(exec ? {exec} : {}),
    },
  }
}

export const firstLine = (s: string): string => s.split('\n').map((l) => l.trim()).find(Boolean) ?? ''
