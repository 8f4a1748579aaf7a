/** A hermetic AWS environment for child processes: static fake keys, no profile files, no IMDS, no endpoint overrides. */
import {join} from 'node:path'

export const FAKE_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
export const FAKE_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

/** `undefined` removes a variable inherited from the test runner's environment (runCli merges over process.env). */
export function hermeticAwsEnv(tmp: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: FAKE_ACCESS_KEY_ID,
    AWS_CONFIG_FILE: join(tmp, 'no-config'),
    AWS_DEFAULT_REGION: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_STS: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_SECRET_ACCESS_KEY: FAKE_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN: undefined,
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-credentials'),
    XDG_CACHE_HOME: join(tmp, 'cache'),
    ...extra,
  }
}
