/** IAM existence check before writing a mapping (GetRole / GetUser through the IamDirectory port). */
import {iamName, parseArn} from '../core/arn.js'
import {EksauthError, ExitCode} from '../core/errors.js'
import type {IamDirectory} from '../core/ports.js'

export interface PrincipalCheck {
  /** informational: IAM's spelling, path found, ... */
  notes: string[]
  /** AccessDenied or errors: the check could not be made; the write goes on */
  warnings: string[]
  /** the principal's real ARN in IAM (with its path), when it exists */
  iamArn?: string
}

/**
 * Throws NOT_FOUND (with "did you mean": the same name with a path, another case, the SSO role
 * AWSReservedSSO_<set>_<suffix>) when IAM says the principal does not exist.
 */
export async function verifyPrincipal(dir: IamDirectory, arn: string, kind: 'role' | 'user' | 'root'): Promise<PrincipalCheck> {
  if (kind === 'root') return {notes: [], warnings: []}
  const action = kind === 'role' ? 'iam:GetRole' : 'iam:GetUser'
  const results = await dir.lookup([arn])
  const info = results.get(arn) ?? [...results.values()][0]
  if (!info) return {notes: [], warnings: [`IAM gave no answer for ${arn}; not verified`]}
  switch (info.status) {
    case 'exists': {
      const notes: string[] = []
      if (info.arn && info.arn !== arn && info.arn.toLowerCase() !== arn.toLowerCase()) {
        notes.push(`IAM knows it as ${info.arn}`)
      } else if (info.arn && info.arn !== arn) {
        notes.push(`IAM spells it ${info.arn}; the authenticator compares case-insensitively, so ${arn} matches too`)
      }
      return {iamArn: info.arn, notes, warnings: []}
    }
    case 'denied': {
      return {notes: [], warnings: [`could not check that ${arn} exists: ${action} was denied${info.message ? ` (${info.message})` : ''}; continuing without the check (--no-verify-iam skips it)`]}
    }
    case 'error': {
      return {notes: [], warnings: [`could not check that ${arn} exists: ${action} failed${info.message ? ` (${info.message})` : ''}; continuing without the check`]}
    }
    default: {
      break
    }
  }
  const name = iamName(arn)
  const suggestions: string[] = []
  if (kind === 'role' && dir.similarRoles) {
    const {accountId, partition} = parseArn(arn)
    try {
      const similar = [...(await dir.similarRoles(name)), ...(/^AWSReservedSSO_/i.test(name) ? [] : await dir.similarRoles(`AWSReservedSSO_${name}`))]
      for (const s of similar) {
        const candidate = s.startsWith('arn:') ? s : `arn:${partition}:iam::${accountId}:role/${s}`
        if (!suggestions.includes(candidate) && candidate !== arn) suggestions.push(candidate)
      }
    } catch {
      // the hint is best effort
    }
  }
  const hint = suggestions.length > 0 ? `; did you mean ${suggestions.slice(0, 5).join(' or ')}?` : ''
  throw new EksauthError(`IAM ${kind} ${name} does not exist in account ${parseArn(arn).accountId} (${action} said NoSuchEntity)${hint} (--no-verify-iam skips this check)`, {
    code: 'E_PRINCIPAL_NOT_FOUND',
    exit: ExitCode.NOT_FOUND,
    suggestions: suggestions.slice(0, 5).map((s) => `map ${s}`),
  })
}
