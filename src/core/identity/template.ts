/** D4: username and group templates, rendered as the authenticator does, with unknown values kept symbolic. */

export interface TemplateIdentity {
  accountId: string
  /** undefined: not known offline (a plain role ARN was given); the placeholder stays symbolic */
  sessionName?: string
  accessKeyId?: string
  ec2PrivateDnsName?: string
}

export const PLACEHOLDERS = ['EC2PrivateDNSName', 'AccountID', 'SessionName', 'SessionNameRaw', 'AccessKeyID'] as const

/** Go regexp `^i-(\w{8}|\w{17})$` */
const INSTANCE_ID = /^i-([0-9A-Za-z_]{8}|[0-9A-Za-z_]{17})$/

export type RenderResult = {ok: true; value: string; symbolic: string[]} | {ok: false; error: string}

export function renderTemplate(template: string, id: TemplateIdentity): RenderResult {
  let out = template
  const symbolic: string[] = []
  if (out.includes('{{EC2PrivateDNSName}}')) {
    if (id.sessionName === undefined) {
      symbolic.push('EC2PrivateDNSName')
    } else if (!INSTANCE_ID.test(id.sessionName)) {
      return {error: 'SessionName did not contain an instance id', ok: false}
    } else if (id.ec2PrivateDnsName === undefined) {
      symbolic.push('EC2PrivateDNSName')
    } else {
      out = out.replaceAll('{{EC2PrivateDNSName}}', id.ec2PrivateDnsName)
    }
  }
  out = out.replaceAll('{{AccountID}}', id.accountId)
  if (id.sessionName === undefined) {
    if (out.includes('{{SessionName}}')) symbolic.push('SessionName')
    if (out.includes('{{SessionNameRaw}}')) symbolic.push('SessionNameRaw')
  } else {
    out = out.replaceAll('{{SessionName}}', id.sessionName.replaceAll('@', '-'))
    out = out.replaceAll('{{SessionNameRaw}}', id.sessionName)
  }
  if (id.accessKeyId === undefined) {
    if (out.includes('{{AccessKeyID}}')) symbolic.push('AccessKeyID')
  } else {
    out = out.replaceAll('{{AccessKeyID}}', id.accessKeyId)
  }
  return {ok: true, symbolic, value: out}
}

/** `{{...}}` tokens that are not placeholders (case-sensitive, D4): they stay in the username literally. */
export function unknownPlaceholders(template: string): string[] {
  const found = template.match(/\{\{[^{}]*\}\}/g) ?? []
  return found.filter((t) => !(PLACEHOLDERS as readonly string[]).includes(t.slice(2, -2)))
}
