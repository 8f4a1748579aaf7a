import type {IamInventory} from '../../core/audit/context.js'
import {parseIamInventory} from '../../core/iam-inventory.js'
import {readInputFile} from './read.js'

export function loadIamInventoryFile(path: string): IamInventory {
  return parseIamInventory(readInputFile(path, 'IAM inventory file'), path === '-' ? '(stdin)' : path)
}
