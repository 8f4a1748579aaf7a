/**
 * A small Kubernetes API server for tests: HTTPS with a throw-away CA, bearer-token users, a pluggable authorizer,
 * discovery, ConfigMaps (get/list/create/replace/patch/delete with real resourceVersion rules and dryRun),
 * SelfSubjectReview, paginated RBAC lists, fault injection and a request log. Statuses and messages follow
 * kube-apiserver's exactly, so kubectl (and client-node) behave against it as against a real cluster.
 */
import {randomUUID} from 'node:crypto'
import {rmSync, writeFileSync} from 'node:fs'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {createServer} from 'node:https'
import type {AddressInfo, Socket} from 'node:net'
import {join} from 'node:path'

import {parse as parseYaml} from 'yaml'

import {Faults, type RequestInfo} from './faults.js'
import {type ContextSpec, type KubeconfigOptions, kubeconfigObject} from './kubeconfig.js'
import {PatchError, jsonPatch, mergePatch, strategicMergePatch} from './patch.js'
import {
  CLUSTER_ROLES,
  CLUSTER_ROLE_BINDINGS,
  CONFIGMAPS,
  NAMESPACES,
  ROLES,
  ROLE_BINDINGS,
  type ResourceDef,
  SELF_SUBJECT_REVIEWS,
  apiVersionOf,
  coreVersions,
  findResource,
  groupDoc,
  groupList,
  resourceList,
  versionInfo,
} from './resources.js'
import {type KObject, Store, clone, decodeCheck} from './store.js'
import {
  ApiError,
  BODY_TYPES,
  PATCH_TYPES,
  type Status,
  badRequest,
  forbidden,
  invalid,
  methodNotAllowed,
  noRoute,
  notFound,
  serverError,
  status,
  unauthorized,
  unsupportedMediaType,
} from './status.js'
import {makePki} from './tls.js'

export interface TestUser {
  username: string
  groups?: string[]
  uid?: string
  extra?: Record<string, string[]>
}

/** What the server knows of an authenticated caller (groups include system:authenticated). */
export interface UserInfo {
  username: string
  uid: string
  groups: string[]
  extra?: Record<string, string[]>
}

export interface AuthzAttributes {
  user: UserInfo
  verb: string
  apiGroup: string
  resource: string
  namespace?: string
  name?: string
}

/** true allows; the default authorizer allows everything */
export type Authorizer = (a: AuthzAttributes) => boolean

export interface ConfigMapSeed {
  name?: string
  namespace?: string
  data?: Record<string, string>
  binaryData?: Record<string, string>
  labels?: Record<string, string>
  annotations?: Record<string, string>
  immutable?: boolean
}

export interface RbacSeed {
  clusterRoles?: KObject[]
  clusterRoleBindings?: KObject[]
  roles?: KObject[]
  roleBindings?: KObject[]
}

export interface ApiServerOptions {
  /** bearer token -> user */
  users: Record<string, TestUser>
  seed?: {configMaps?: ConfigMapSeed[]; rbac?: RbacSeed; namespaces?: string[]}
  authorize?: Authorizer
}

export interface LoggedRequest {
  method: string
  path: string
  query: Record<string, string>
  user?: string
  /** HTTP status sent; 0 when the connection was dropped on purpose */
  status: number
  contentType?: string
  body?: unknown
  dropped?: boolean
}

export interface ApiServer {
  /** https://127.0.0.1:PORT */
  url: string
  port: number
  /** base64 PEM of the CA, as certificate-authority-data */
  caData: string
  caPem: string
  /** the server's temp dir (removed by stop) */
  dir: string
  /** Writes a kubeconfig for this server and returns its path. */
  kubeconfig(opts?: KubeconfigOptions): string
  /** Creates or replaces a ConfigMap (default kube-system/aws-auth) without preconditions; bumps resourceVersion. */
  setConfigMap(cm: ConfigMapSeed): KObject
  getConfigMap(name?: string, namespace?: string): KObject | undefined
  deleteConfigMap(name?: string, namespace?: string): void
  /** Another writer touches the ConfigMap (an annotation changes): returns the new resourceVersion. */
  bumpConfigMap(name?: string, namespace?: string): string
  addRbac(seed: RbacSeed): void
  addNamespace(name: string): void
  setAuthorizer(fn?: Authorizer): void
  /** the newest resourceVersion */
  resourceVersion(): string
  /** every request so far, in arrival order (discovery included) */
  readonly requests: LoggedRequest[]
  clearRequests(): void
  faults: Faults
  stop(): Promise<void>
}

const AWS_AUTH = {name: 'aws-auth', namespace: 'kube-system'}
const NON_RESOURCE_PUBLIC = new Set(['/version', '/healthz', '/livez', '/readyz'])
const MAX_BODY = 3 * 1024 * 1024

interface Route {
  resource: ResourceDef
  namespace?: string
  name?: string
}

function parseRoute(path: string): Route | undefined | 'bad' {
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent)
  let group: string
  let version: string
  let rest: string[]
  if (seg[0] === 'api') {
    group = ''
    version = seg[1] ?? ''
    rest = seg.slice(2)
  } else if (seg[0] === 'apis') {
    group = seg[1] ?? ''
    version = seg[2] ?? ''
    rest = seg.slice(3)
  } else return undefined
  if (rest.length === 0) return undefined
  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  if (rest.length > 2) return 'bad' // subresources are not served
  const resource = findResource(group, version, rest[0] ?? '')
  if (!resource) return 'bad'
  if (namespace !== undefined && !resource.namespaced) return 'bad'
  return {resource, namespace, name: rest[1]}
}

function verbOf(method: string, route: Route, query: Record<string, string>): string | undefined {
  switch (method) {
    case 'GET':
      return route.name === undefined ? (query.watch === 'true' || query.watch === '1' ? 'watch' : 'list') : 'get'
    case 'POST':
      return route.name === undefined ? 'create' : undefined
    case 'PUT':
      return route.name === undefined ? undefined : 'update'
    case 'PATCH':
      return route.name === undefined ? undefined : 'patch'
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete'
    default:
      return undefined
  }
}

const mediaType = (ct: string | undefined): string => (ct ?? '').split(';')[0]!.trim().toLowerCase()

function listKindOf(r: ResourceDef): string {
  return `${r.kind}List`
}

interface ContinueToken {
  v: string
  rv: number
  start: string
}

const keyOf = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const pki = makePki()
  const store = new Store()
  const faults = new Faults()
  const requests: LoggedRequest[] = []
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let authorize: Authorizer = opts.authorize ?? (() => true)
  let stopped = false

  const users = new Map<string, UserInfo>(
    Object.entries(opts.users).map(([token, u]) => [
      token,
      {
        username: u.username,
        uid: u.uid ?? randomUUID(),
        groups: [...(u.groups ?? []), ...((u.groups ?? []).includes('system:authenticated') ? [] : ['system:authenticated'])],
        ...(u.extra ? {extra: u.extra} : {}),
      },
    ]),
  )

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t)
        resolve()
      }, ms)
      timers.add(t)
    })

  const seedRbac = (seed: RbacSeed): void => {
    const pairs: Array<[ResourceDef, KObject[] | undefined]> = [
      [CLUSTER_ROLES, seed.clusterRoles],
      [CLUSTER_ROLE_BINDINGS, seed.clusterRoleBindings],
      [ROLES, seed.roles],
      [ROLE_BINDINGS, seed.roleBindings],
    ]
    for (const [r, objs] of pairs) for (const o of objs ?? []) store.upsert(r, o)
  }

  const setConfigMap = (cm: ConfigMapSeed): KObject => {
    const metadata: KObject['metadata'] = {name: cm.name ?? AWS_AUTH.name, namespace: cm.namespace ?? AWS_AUTH.namespace}
    if (cm.labels) metadata.labels = cm.labels
    if (cm.annotations) metadata.annotations = cm.annotations
    const obj: KObject = {metadata}
    if (cm.data) obj.data = cm.data
    if (cm.binaryData) obj.binaryData = cm.binaryData
    if (cm.immutable !== undefined) obj.immutable = cm.immutable
    return store.upsert(CONFIGMAPS, obj)
  }

  for (const ns of opts.seed?.namespaces ?? []) store.ensureNamespace(ns)
  for (const cm of opts.seed?.configMaps ?? []) setConfigMap(cm)
  if (opts.seed?.rbac) seedRbac(opts.seed.rbac)

  // ---------------------------------------------------------------- handlers

  const send = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(code, {
      'Audit-Id': randomUUID(),
      'Cache-Control': 'no-cache, private',
      'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    })
    res.end(text)
  }

  const decodeBody = (raw: Buffer, ct: string, allowed: string[]): unknown => {
    const type = mediaType(ct) || 'application/json'
    if (!allowed.includes(type)) throw unsupportedMediaType(allowed === PATCH_TYPES ? PATCH_TYPES : BODY_TYPES)
    const text = raw.toString('utf8')
    try {
      return type === 'application/yaml' || type === 'application/apply-patch+yaml' ? parseYaml(text) : JSON.parse(text)
    } catch (e) {
      throw badRequest(`error decoding request body: ${(e as Error).message}`)
    }
  }

  const list = (r: ResourceDef, ns: string | undefined, query: Record<string, string>): unknown => {
    let items = store.list(r, ns)
    const rv = store.currentResourceVersion()
    let start = ''
    if (query.continue) {
      let tok: ContinueToken
      try {
        tok = JSON.parse(Buffer.from(query.continue, 'base64').toString('utf8')) as ContinueToken
        if (tok.v !== 'meta.k8s.io/v1' || typeof tok.start !== 'string') throw new Error('bad token')
      } catch {
        throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)')
      }
      start = tok.start
      items = items.filter((o) => keyOf(o) > start)
    }
    const limit = query.limit ? Number.parseInt(query.limit, 10) : 0
    const metadata: Record<string, unknown> = {resourceVersion: rv}
    if (limit > 0 && items.length > limit) {
      const page = items.slice(0, limit)
      const last = page[page.length - 1]!
      metadata.continue = Buffer.from(JSON.stringify({v: 'meta.k8s.io/v1', rv: Number(rv), start: keyOf(last)})).toString('base64')
      metadata.remainingItemCount = items.length - limit
      items = page
    }
    // items of a typed list carry neither apiVersion nor kind
    const bare = items.map(({apiVersion: _a, kind: _k, ...rest}) => rest)
    return {kind: listKindOf(r), apiVersion: apiVersionOf(r), metadata, items: bare}
  }

  const checkNamesMatch = (obj: KObject, route: Route): void => {
    if (obj.metadata.name !== undefined && route.name !== undefined && obj.metadata.name !== route.name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${route.name})`)
    }
    if (route.namespace !== undefined && obj.metadata.namespace !== undefined && obj.metadata.namespace !== route.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
  }

  const configMapHandler = (
    verb: string,
    route: Route,
    query: Record<string, string>,
    raw: Buffer,
    ct: string,
  ): {code: number; body: unknown} => {
    const r = CONFIGMAPS
    const ref = {group: '', resource: r.resource}
    const ns = route.namespace
    if (query.dryRun !== undefined && query.dryRun !== 'All') {
      throw badRequest(`Invalid dry run value: ${query.dryRun}`)
    }
    const dryRun = query.dryRun === 'All'
    switch (verb) {
      case 'get': {
        const o = store.get(r, ns, route.name!)
        if (!o) throw notFound(ref, route.name!)
        return {code: 200, body: o}
      }
      case 'list':
        return {code: 200, body: list(r, ns, query)}
      case 'create': {
        const obj = decodeCheck(r, decodeBody(raw, ct, ['application/json', 'application/yaml']))
        checkNamesMatch(obj, route)
        if (!obj.metadata.name) {
          throw invalid(r.kind, '', '', [{field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired'}])
        }
        obj.metadata.namespace = ns
        return {code: 201, body: store.create(r, obj, {dryRun})}
      }
      case 'update': {
        const obj = decodeCheck(r, decodeBody(raw, ct, ['application/json', 'application/yaml']))
        checkNamesMatch(obj, route)
        obj.metadata.name = route.name!
        obj.metadata.namespace = ns
        return {code: 200, body: store.update(r, obj, {dryRun})}
      }
      case 'patch': {
        const type = mediaType(ct)
        if (!PATCH_TYPES.includes(type) || type === 'application/apply-patch+yaml') throw unsupportedMediaType(PATCH_TYPES)
        const current = store.get(r, ns, route.name!)
        if (!current) throw notFound(ref, route.name!)
        let patch: unknown
        try {
          patch = JSON.parse(raw.toString('utf8'))
        } catch (e) {
          throw badRequest(`error decoding patch: ${(e as Error).message}`)
        }
        let patched: unknown
        try {
          patched =
            type === 'application/json-patch+json'
              ? jsonPatch(current, patch)
              : type === 'application/merge-patch+json'
                ? mergePatch(current, patch)
                : strategicMergePatch(current, patch)
        } catch (e) {
          if (!(e instanceof PatchError)) throw e
          if (e.code === 400) throw badRequest(e.message)
          throw new ApiError(status(422, 'Invalid', e.message))
        }
        const obj = decodeCheck(r, patched)
        obj.metadata.name = route.name!
        obj.metadata.namespace = ns
        return {code: 200, body: store.update(r, obj, {dryRun})}
      }
      case 'delete': {
        const old = store.delete(r, ns, route.name!, {dryRun})
        return {
          code: 200,
          body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: {name: route.name, kind: r.resource, uid: old.metadata.uid}},
        }
      }
      default:
        throw methodNotAllowed()
    }
  }

  const handleResource = (
    route: Route,
    verb: string,
    user: UserInfo,
    query: Record<string, string>,
    raw: Buffer,
    ct: string,
  ): {code: number; body: unknown} => {
    const r = route.resource
    if (r === SELF_SUBJECT_REVIEWS) {
      if (verb !== 'create') throw methodNotAllowed()
      return {
        code: 201,
        body: {
          kind: 'SelfSubjectReview',
          apiVersion: apiVersionOf(r),
          metadata: {creationTimestamp: null},
          status: {userInfo: {username: user.username, uid: user.uid, groups: user.groups, ...(user.extra ? {extra: user.extra} : {})}},
        },
      }
    }
    const name = verb === 'create' ? undefined : route.name
    if (!authorize({user, verb, apiGroup: r.group, resource: r.resource, namespace: route.namespace, name})) {
      throw forbidden(user.username, verb, {group: r.group, resource: r.resource}, route.namespace, name)
    }
    if (r === CONFIGMAPS) return configMapHandler(verb, route, query, raw, ct)
    if (![NAMESPACES, CLUSTER_ROLES, CLUSTER_ROLE_BINDINGS, ROLES, ROLE_BINDINGS].includes(r)) throw methodNotAllowed()
    if (verb === 'list') return {code: 200, body: list(r, route.namespace, query)}
    if (verb === 'get') {
      const o = store.get(r, route.namespace, route.name!)
      if (!o) throw notFound({group: r.group, resource: r.resource}, route.name!)
      return {code: 200, body: o}
    }
    throw methodNotAllowed()
  }

  const discovery = (path: string, host: string): unknown | undefined => {
    if (path === '/api') return coreVersions(host)
    if (path === '/api/v1') return resourceList('', 'v1')
    if (path === '/apis') return groupList()
    const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path)
    if (!m) return undefined
    return m[2] === undefined ? groupDoc(m[1]!) : resourceList(m[1]!, m[2])
  }

  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      req.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAX_BODY) {
          reject(new ApiError(status(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')))
          req.destroy()
          return
        }
        chunks.push(c)
      })
      req.on('end', () => resolve(Buffer.concat(chunks)))
      req.on('error', reject)
    })

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname
    const method = (req.method ?? 'GET').toUpperCase()
    const query = Object.fromEntries(url.searchParams.entries())
    const ct = req.headers['content-type']
    const info: RequestInfo = {method, path, query, ...(ct ? {contentType: ct} : {})}
    const auth = req.headers.authorization ?? ''
    const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim()
    const user = bearer === undefined ? undefined : users.get(bearer)
    if (user) info.user = user.username
    const entry: LoggedRequest = {method, path, query, status: 0, ...(user ? {user: user.username} : {}), ...(ct ? {contentType: ct} : {})}
    requests.push(entry)
    const reply = (code: number, body: unknown, headers?: Record<string, string>): void => {
      entry.status = code
      send(res, code, body, headers)
    }
    const drop = (): void => {
      entry.dropped = true
      req.socket.destroy()
    }

    const delay = faults.delayFor(info)
    if (delay > 0) await sleep(delay)
    if (stopped) return
    const rule = faults.take(info)
    if (rule?.kind === 'drop' && rule.at === 'before-body') return drop()
    let raw: Buffer
    try {
      raw = await readBody(req)
    } catch (e) {
      if (e instanceof ApiError) reply(e.code, e.body, e.headers)
      return
    }
    if (raw.length > 0 && /json/.test(mediaType(ct) || 'application/json')) {
      try {
        info.body = JSON.parse(raw.toString('utf8'))
        entry.body = info.body
      } catch {
        // a malformed body is the handler's to report
      }
    }
    if (rule?.kind === 'drop' && rule.at === 'after-body') return drop()
    if (rule?.kind === 'fail') {
      const err = serverError(rule.status, rule.message, rule.retryAfterSeconds)
      return reply(err.code, err.body, err.headers)
    }
    await faults.runHooks(info)
    if (stopped) return

    let result: {code: number; body: unknown; headers?: Record<string, string>}
    try {
      if (NON_RESOURCE_PUBLIC.has(path) && method === 'GET') {
        result = {code: 200, body: path === '/version' ? versionInfo() : 'ok'}
      } else if (!user) {
        throw unauthorized()
      } else {
        const doc = method === 'GET' ? discovery(path, `127.0.0.1:${port}`) : undefined
        if (doc !== undefined) {
          result = {code: 200, body: doc}
        } else {
          const route = parseRoute(path)
          if (route === undefined) {
            result = {code: 404, body: '404 page not found\n'}
          } else if (route === 'bad') {
            throw noRoute()
          } else {
            const verb = verbOf(method, route, query)
            if (!verb || verb === 'watch' || verb === 'deletecollection') throw methodNotAllowed()
            result = handleResource(route, verb, user, query, raw, ct ?? '')
          }
        }
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e
      result = {code: e.code, body: e.body as Status, headers: e.headers}
    }
    if (rule?.kind === 'drop' && rule.at === 'after-commit') return drop()
    reply(result.code, result.body, result.headers)
  }

  const server = createServer({key: pki.keyPem, cert: pki.certPem}, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, status(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`))
    })
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  }).catch((e: unknown) => {
    rmSync(pki.dir, {recursive: true, force: true})
    throw e
  })
  const port = (server.address() as AddressInfo).port
  const url = `https://127.0.0.1:${port}`

  let kubeconfigCount = 0
  const defaultContexts = (): ContextSpec[] =>
    [...users.entries()].map(([token, u]) => ({name: u.username, token}))

  return {
    url,
    port,
    caData: pki.caData,
    caPem: pki.caPem,
    dir: pki.dir,
    kubeconfig(o: KubeconfigOptions = {}): string {
      const contexts = o.contexts ?? defaultContexts()
      const file = o.path ?? join(pki.dir, `kubeconfig-${++kubeconfigCount}.json`)
      writeFileSync(file, `${JSON.stringify(kubeconfigObject(url, pki.caData, {...o, contexts}), null, 2)}\n`, {mode: 0o600})
      return file
    },
    setConfigMap,
    getConfigMap: (name = AWS_AUTH.name, namespace = AWS_AUTH.namespace) => store.get(CONFIGMAPS, namespace, name),
    deleteConfigMap(name = AWS_AUTH.name, namespace = AWS_AUTH.namespace): void {
      store.delete(CONFIGMAPS, namespace, name)
    },
    bumpConfigMap(name = AWS_AUTH.name, namespace = AWS_AUTH.namespace): string {
      const cur = store.get(CONFIGMAPS, namespace, name)
      if (!cur) throw new Error(`bumpConfigMap: ${namespace}/${name} does not exist`)
      const next = clone(cur)
      next.metadata.annotations = {...next.metadata.annotations, 'eksauth.test/bumped': randomUUID()}
      return store.update(CONFIGMAPS, next).metadata.resourceVersion!
    },
    addRbac: seedRbac,
    addNamespace: (name: string) => store.ensureNamespace(name),
    setAuthorizer(fn?: Authorizer): void {
      authorize = fn ?? (() => true)
    },
    resourceVersion: () => store.currentResourceVersion(),
    requests,
    clearRequests(): void {
      requests.length = 0
    },
    faults,
    async stop(): Promise<void> {
      if (stopped) return
      stopped = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      server.closeAllConnections?.()
      await closed
      rmSync(pki.dir, {recursive: true, force: true})
    },
  }
}
