/**
 * metav1.Status bodies in the exact form kube-apiserver sends them, and the error type the fake server's handlers throw.
 */

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  causes?: Array<{reason?: string; message?: string; field?: string}>
  retryAfterSeconds?: number
}

export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Failure' | 'Success'
  message: string
  reason: string
  details?: StatusDetails
  code: number
}

export function status(code: number, reason: string, message: string, details?: StatusDetails): Status {
  // key order as the apiserver serialises it: kind, apiVersion, metadata, status, message, reason, details, code
  const s: Status = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason} as Status
  if (details) s.details = details
  s.code = code
  return s
}

/** An API error: the handler throws it, the server writes `status` with `status.code`. */
export class ApiError extends Error {
  constructor(
    readonly body: Status,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message)
  }
  get code(): number {
    return this.body.code
  }
}

/** Where a resource lives, for the messages: `configmaps`, `clusterroles.rbac.authorization.k8s.io`. */
export interface ResourceRef {
  group: string
  resource: string
}

export const qualified = (r: ResourceRef): string => (r.group ? `${r.resource}.${r.group}` : r.resource)

const detailsOf = (r: ResourceRef, name?: string): StatusDetails => {
  const d: StatusDetails = {}
  if (name !== undefined) d.name = name
  if (r.group) d.group = r.group
  d.kind = r.resource
  return d
}

export const unauthorized = (): ApiError => new ApiError(status(401, 'Unauthorized', 'Unauthorized'))

export function forbidden(
  user: string,
  verb: string,
  r: ResourceRef,
  namespace: string | undefined,
  name: string | undefined,
): ApiError {
  const what = name === undefined ? qualified(r) : `${qualified(r)} "${name}"`
  const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`
  const message = `${what} is forbidden: User "${user}" cannot ${verb} resource "${r.resource}" in API group "${r.group}" ${scope}`
  return new ApiError(status(403, 'Forbidden', message, detailsOf(r, name)))
}

export const notFound = (r: ResourceRef, name: string): ApiError =>
  new ApiError(status(404, 'NotFound', `${qualified(r)} "${name}" not found`, detailsOf(r, name)))

export const alreadyExists = (r: ResourceRef, name: string): ApiError =>
  new ApiError(status(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, detailsOf(r, name)))

export const conflict = (r: ResourceRef, name: string): ApiError =>
  new ApiError(
    status(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      detailsOf(r, name),
    ),
  )

/** 422: `ConfigMap "aws-auth" is invalid: data[bad key]: Invalid value: ...` (one cause per field error). */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: Array<{field: string; message: string; reason?: string}>,
): ApiError {
  const text = causes.map((c) => `${c.field}: ${c.message}`)
  const joined = text.length === 1 ? text[0] : `[${text.join(', ')}]`
  const details: StatusDetails = {name}
  if (group) details.group = group
  details.kind = kind
  details.causes = causes.map((c) => ({reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field}))
  return new ApiError(status(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, details))
}

export const badRequest = (message: string): ApiError => new ApiError(status(400, 'BadRequest', message))

export const methodNotAllowed = (): ApiError =>
  new ApiError(status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'))

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
  'application/strategic-merge-patch+json',
]
export const BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']

export const unsupportedMediaType = (accepted: string[]): ApiError =>
  new ApiError(
    status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),
  )

/** 404 for a path no resource lives at. */
export const noRoute = (): ApiError => new ApiError(status(404, 'NotFound', 'the server could not find the requested resource', {}))

export function serverError(code: number, message?: string, retryAfterSeconds?: number): ApiError {
  const reasons: Record<number, [string, string]> = {
    429: ['TooManyRequests', 'Too many requests, please try again later.'],
    500: ['InternalError', 'Internal error occurred: injected fault'],
    502: ['InternalError', 'Internal error occurred: bad gateway'],
    503: ['ServiceUnavailable', 'The server is currently unable to handle the request'],
    504: ['Timeout', 'The server was unable to return a response in the time allotted, but may still be processing the request'],
  }
  const [reason, text] = reasons[code] ?? ['InternalError', `injected fault ${code}`]
  const details: StatusDetails | undefined = retryAfterSeconds === undefined ? undefined : {retryAfterSeconds}
  const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : {'Retry-After': String(retryAfterSeconds)}
  return new ApiError(status(code, reason, message ?? text, details), headers)
}
