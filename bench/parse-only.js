// The baseline of the scale step: read and parse the same files with the yaml package (the ConfigMap, its mapRoles and
// mapUsers strings, and every manifest document), nothing else.
import {readFileSync} from 'node:fs'
import {Composer, parse, Parser} from 'yaml'

const [awsAuth, rbac] = process.argv.slice(2)
const cm = parse(readFileSync(awsAuth, 'utf8'))
for (const v of Object.values(cm.data)) parse(v)
let n = 0
for (const doc of new Composer().compose(new Parser().parse(readFileSync(rbac, 'utf8')), true)) {
  doc.toJS()
  n++
}
if (n === 0) process.exit(1)
