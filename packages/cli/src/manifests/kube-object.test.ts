// Parsing a rendering: documents, Lists, and the errors that name where the bad document is.
import { describe, expect, it } from 'vitest'
import { CliError } from '../cli-error.js'
import { parseManifests } from './kube-object.js'

const thrown = (text: string): unknown => {
  try {
    parseManifests(text, 'rendered.yaml')
  } catch (error) {
    return error
  }
  return undefined
}

describe('parseManifests', () => {
  it('reads every document, dropping empty ones and flattening Lists', () => {
    const objects = parseManifests(
      [
        '---',
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: eventcore }',
        '# only a comment',
        'apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }\n  - { apiVersion: v1, kind: Secret, metadata: { name: b, namespace: x } }',
        '',
      ].join('\n---\n'),
      'rendered.yaml',
    )
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      'Namespace/eventcore',
      'ConfigMap/a',
      'Secret/b',
    ])
    expect(objects[2]?.metadata.namespace).toBe('x')
  })

  it('is empty for an empty stream', () => {
    expect(parseManifests('', '-')).toEqual([])
  })

  it.each([
    ['not YAML', 'apiVersion: v1\nkind: [unclosed\n', /^rendered\.yaml, document 2: not YAML: /],
    ['not a mapping', '- a\n- b\n', /^rendered\.yaml, document 2: not a Kubernetes object \(a mapping\)$/],
    [
      'no kind or name',
      'apiVersion: v1\nmetadata: {}\n',
      /^rendered\.yaml, document 2: not a Kubernetes object: no kind, metadata\.name$/,
    ],
    [
      'a bad List item',
      'apiVersion: v1\nkind: List\nitems: [{ kind: Pod }]\n',
      /^rendered\.yaml, document 2, item 1: .*no apiVersion, metadata\.name$/,
    ],
  ])('refuses %s as a usage error naming the source and document', (_, bad, message) => {
    const error = thrown(`apiVersion: v1\nkind: Namespace\nmetadata: { name: ok }\n---\n${bad}`)
    expect(error).toBeInstanceOf(CliError)
    expect((error as CliError).kind).toBe('usage')
    expect((error as CliError).message).toMatch(message)
    expect((error as CliError).message).not.toContain('\n')
  })
})
