/** Offline aws-auth source: a manifest or kubectl output on disk. */
import {analyseAwsAuth, type AwsAuthAnalysis} from '../../core/aws-auth/diagnostics.js'
import {type ConfigMapFile, readAwsAuthFile} from '../../core/aws-auth/configmap.js'
import {readInputFile} from './read.js'

export interface LoadedAwsAuth extends AwsAuthAnalysis {
  source: string
  file: ConfigMapFile
}

export function loadAwsAuthFile(path: string): LoadedAwsAuth {
  const text = readInputFile(path, 'aws-auth file')
  const source = path === '-' ? '(stdin)' : path
  const file = readAwsAuthFile(text, source)
  return {...analyseAwsAuth(file.data, file.locations), file, source}
}
