/** The IAM directory (GetRole/GetUser), loaded only when used. */
import type {IamDirectory} from '../core/ports.js'

export async function openIamDirectory(flags: {profile?: string; region?: string}): Promise<IamDirectory> {
  const {SdkIamDirectory} = await import('../adapters/aws/iam-directory.js')
  return new SdkIamDirectory({profile: flags.profile, region: flags.region})
}
