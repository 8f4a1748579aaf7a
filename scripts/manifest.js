// Writes oclif.manifest.json from dist/ (what `oclif manifest` does, without the oclif dev CLI and its
// publishing dependencies). With the manifest, routing and --help never import command files.
import {writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Plugin} from '@oclif/core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const plugin = new Plugin({errorOnManifestCreate: true, ignoreManifest: true, respectNoCacheDefault: true, root, type: 'core'})
await plugin.load()
const {manifest} = plugin
if (Object.keys(manifest.commands).length === 0) throw new Error('manifest: no commands found in dist/commands')
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
