// IAM existence checks of 1,000 principals against moto: eksauth's directory (GetRole for a few, one listing for many)
// against the naive one-GetRole-per-ARN loop. Prints one JSON object.
import {CreateRoleCommand, CreateUserCommand, GetRoleCommand, GetUserCommand, IAMClient} from '@aws-sdk/client-iam'
import pLimit from 'p-limit'

import {SdkIamDirectory} from '../src/adapters/aws/iam-directory.js'
import {startMoto} from '../test/support/moto.js'

const moto = await startMoto()
Object.assign(process.env, moto.env)
try {
  const iam = new IAMClient({endpoint: moto.endpoint, region: 'us-east-1'})
  const trust = JSON.stringify({Statement: [{Action: 'sts:AssumeRole', Effect: 'Allow', Principal: {Service: 'ec2.amazonaws.com'}}], Version: '2012-10-17'})
  const limit = pLimit(8)
  const arns: string[] = []
  await Promise.all(
    Array.from({length: 800}, (_, i) =>
      limit(async () => {
        await iam.send(new CreateRoleCommand({AssumeRolePolicyDocument: trust, Path: i % 3 === 0 ? '/teams/' : '/', RoleName: `role-${i}`}))
      }),
    ),
  )
  await Promise.all(Array.from({length: 150}, (_, i) => limit(() => iam.send(new CreateUserCommand({UserName: `user-${i}`})))))
  for (let i = 0; i < 850; i++) arns.push(`arn:aws:iam::123456789012:role/role-${i}`) // 50 missing
  for (let i = 0; i < 150; i++) arns.push(`arn:aws:iam::123456789012:user/user-${i}`)

  const dir = new SdkIamDirectory({accountId: '123456789012', endpoint: moto.endpoint})
  let t0 = performance.now()
  const found = await dir.lookup(arns)
  const wallMs = performance.now() - t0
  const missing = [...found.values()].filter((v) => v.status === 'missing').length
  if (missing !== 50) throw new Error(`expected 50 missing principals, got ${missing}`)

  t0 = performance.now()
  let naiveCalls = 0
  for (const arn of arns) {
    const name = arn.split('/').at(-1)!
    naiveCalls++
    try {
      await (arn.includes(':role/') ? iam.send(new GetRoleCommand({RoleName: name})) : iam.send(new GetUserCommand({UserName: name})))
    } catch {
      // NoSuchEntity
    }
  }
  const naiveWallMs = performance.now() - t0
  console.log(JSON.stringify({calls: dir.stats().calls, naiveCalls, naiveWallMs, principals: arns.length, wallMs}))
} finally {
  await moto.stop()
}
