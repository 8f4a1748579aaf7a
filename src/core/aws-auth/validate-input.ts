/**
 * Write-time validation of what a user types for `map-role` / `map-user`: usernames and groups. Stricter than the
 * authenticator, because a value we write must mean exactly what the user meant (no pasted YAML, no invisible
 * characters, no placeholders the authenticator would leave verbatim). Pure; throws EksauthError (BAD_INPUT).
 */
import {ArnError, iamName, normaliseForMapping, type NormalisedPrincipal} from '../arn.js'
import {badInput} from '../errors.js'
import {unknownPlaceholders} from '../identity/template.js'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/

const show = (v: string): string => JSON.stringify(v)

/** One reason a username/group value is unacceptable, or undefined. */
export function valueProblem(value: string, what: 'username' | 'group'): string | undefined {
  if (value === '') return `the ${what} is empty`
  if (value !== value.trim()) return `the ${what} ${show(value)} has leading or trailing spaces; remove them`
  if (CONTROL.test(value)) return `the ${what} ${show(value)} contains a control character or line break; retype it`
  if (/^-(\s|$)/.test(value) || /^[?:|>]\s/.test(value)) {
    return `the ${what} ${show(value)} looks like pasted YAML (it starts with '${value.slice(0, 2)}'); pass only the value`
  }
  if (/\s#/.test(value)) return `the ${what} ${show(value)} contains ' #' (a pasted YAML comment?); pass only the value`
  if (/^\w+:\s/.test(value)) return `the ${what} ${show(value)} looks like pasted YAML ('key: value'); pass only the value`
  if (/^[[{]/.test(value) && /[\]}]$/.test(value) && !/^\{\{[^{}]*\}\}/.test(value)) {
    return `the ${what} ${show(value)} looks like a YAML list or mapping; pass one value per --group`
  }
  const unknown = unknownPlaceholders(value)
  if (unknown.length > 0) {
    return `the ${what} ${show(value)} has the unknown placeholder ${unknown.join(', ')}: the authenticator would keep it verbatim (placeholders are case-sensitive: {{EC2PrivateDNSName}}, {{AccountID}}, {{SessionName}}, {{SessionNameRaw}}, {{AccessKeyID}})`
  }
  if (/\{\{|\}\}/.test(value.replace(/\{\{[^{}]*\}\}/g, ''))) return `the ${what} ${show(value)} has an unbalanced '{{' or '}}'`
  if (what === 'group' && value === 'system:authenticated') {
    return "the group 'system:authenticated' is added to every authenticated user by the API server; mapping it does nothing"
  }
  return undefined
}

export function validateUsername(username: string): string {
  const problem = valueProblem(username, 'username')
  if (problem) throw badInput(problem, 'E_BAD_USERNAME')
  return username
}

/** Validates every group and removes exact repeats (keeping the first), returning the notes for removed ones. */
export function validateGroups(groups: string[]): {groups: string[]; notes: string[]} {
  const out: string[] = []
  const notes: string[] = []
  for (const g of groups) {
    const problem = valueProblem(g, 'group')
    if (problem) throw badInput(problem, 'E_BAD_GROUP')
    if (out.includes(g)) notes.push(`group '${g}' was given twice; written once`)
    else out.push(g)
  }
  return {groups: out, notes}
}

/**
 * The username written when `map-role` gets no --username: `<RoleName>:{{SessionName}}`, so every person or job
 * assuming a shared role is told apart in the audit log (audit rule AA007).
 */
export function defaultRoleUsername(roleArn: string): string {
  return `${iamName(roleArn)}:{{SessionName}}`
}

/** normaliseForMapping with its ArnError turned into a one-line BAD_INPUT error. */
export function normaliseArnInput(input: string, expect: 'role' | 'user'): NormalisedPrincipal {
  try {
    return normaliseForMapping(input, expect)
  } catch (error) {
    if (error instanceof ArnError) {
      throw badInput(error.message, 'E_BAD_ARN', error.suggestion ? [`use ${error.suggestion}`] : undefined)
    }
    throw error
  }
}
