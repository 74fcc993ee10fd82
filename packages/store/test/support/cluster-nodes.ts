/** One line of `CLUSTER NODES`, as a node of the cluster sees it. */
export interface ClusterNode {
  readonly id: string
  readonly port: number
  readonly master: boolean
  /** The master's id, for a replica. */
  readonly masterId: string | undefined
  /** Flagged `fail` or `fail?` (unreachable) by the node that answered. */
  readonly failing: boolean
  /** Slot ranges it serves, inclusive (`[first, last]`), as a master. */
  readonly slots: readonly (readonly [number, number])[]
}

/** Whether `node` serves `slot` (as a master). */
export function serves(node: ClusterNode, slot: number): boolean {
  return node.slots.some(([first, last]) => first <= slot && slot <= last)
}

/** The lines of a `CLUSTER NODES` answer. */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slotFields] = line.split(' ')
      const port = Number(address.split('@')[0]?.split(':')[1])
      const flagList = flags.split(',')
      const slots = slotFields
        .filter((field) => !field.startsWith('['))
        .map((field) => {
          const [first, last = first] = field.split('-').map(Number)
          return [first ?? 0, last ?? 0] as const
        })
      return {
        id,
        port,
        master: flagList.includes('master'),
        masterId: master === '-' ? undefined : master,
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        slots,
      }
    })
}
