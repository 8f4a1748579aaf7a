/** The IAM directory (GetRole/GetUser), loaded only when used. */
import {EksauthError, ExitCode} from '../core/errors.js'
import type {IamDirectory} from '../core/ports.js'

export async function openIamDirectory(_flags: {profile?: string; region?: string}): Promise<IamDirectory> {
  throw new EksauthError('the IAM existence check is not available in this build yet: pass --no-verify-iam', {code: 'E_NO_IAM', exit: ExitCode.UNAVAILABLE})
}
