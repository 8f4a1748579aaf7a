/**
 * IAM inventory for existence checks (AA015, AE007) from `aws iam get-account-authorization-details` output, or from
 * the live IAM directory. Pure.
 */
import {parseArn} from './arn.js'
import {type IamInventory, inventoryKey} from './audit/context.js'
import {parseDocuments} from './documents.js'
import {badInput} from './errors.js'

export function emptyInventory(): IamInventory {
  return {accounts: new Set(), principals: new Map()}
}

export function addPrincipal(inv: IamInventory, arn: string, id?: string): void {
  const key = inventoryKey(arn)
  if (!key) return
  inv.accounts.add(parseArn(arn).accountId)
  inv.principals.set(key, {arn, id})
}

/** Accepts one or several (paged) documents of get-account-authorization-details output. */
export function parseIamInventory(text: string, source: string): IamInventory {
  const docs = parseDocuments(text, source, '`aws iam get-account-authorization-details` output')
  const inv = emptyInventory()
  let found = false
  for (const doc of docs.flat()) {
    if (!doc || typeof doc !== 'object') continue
    const d = doc as Record<string, unknown>
    for (const [list, idKey] of [
      ['RoleDetailList', 'RoleId'],
      ['UserDetailList', 'UserId'],
      ['Roles', 'RoleId'],
      ['Users', 'UserId'],
    ] as const) {
      const items = d[list]
      if (!Array.isArray(items)) continue
      found = true
      for (const item of items as Record<string, unknown>[]) {
        if (typeof item?.Arn === 'string') addPrincipal(inv, item.Arn, typeof item[idKey] === 'string' ? (item[idKey] as string) : undefined)
      }
    }
  }
  if (!found) throw badInput(`${source} has no RoleDetailList or UserDetailList: pass \`aws iam get-account-authorization-details\` output`)
  return inv
}
