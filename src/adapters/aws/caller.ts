/**
 * CallerIdentity over sts:GetCallerIdentity, through the shared client factory and error mapping of ./clients.js.
 * (./sts.js has a token-side variant that also handles --role-arn; this one is the plain port for the IAM/EKS side.)
 */
import type {STSClient} from '@aws-sdk/client-sts'

import type {CallerIdentity, CallerIdentityInfo} from '../../core/ports.js'
import {type AwsClientOptions, awsError, stsClient} from './clients.js'

export interface StsCallerIdentityOptions extends AwsClientOptions {
  /** a prebuilt client (tests) */
  client?: STSClient
}

export class StsCallerIdentity implements CallerIdentity {
  private answer?: Promise<CallerIdentityInfo>

  constructor(private readonly opts: StsCallerIdentityOptions = {}) {}

  /** Memoized per instance; a failure is not. Throws the mapped EksauthError (NOT_AUTHORIZED, UNAVAILABLE, ...). */
  whoami(): Promise<CallerIdentityInfo> {
    this.answer ??= this.call().catch((error: unknown) => {
      this.answer = undefined
      throw error
    })
    return this.answer
  }

  private async call(): Promise<CallerIdentityInfo> {
    const client = this.opts.client ?? (await stsClient(this.opts))
    const {GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
    try {
      const res = await client.send(new GetCallerIdentityCommand({}))
      return {account: res.Account ?? '', arn: res.Arn ?? '', userId: res.UserId ?? ''}
    } catch (error) {
      throw awsError(error, {action: 'sts:GetCallerIdentity', env: this.opts.env, profile: this.opts.profile})
    }
  }
}
