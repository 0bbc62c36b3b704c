// Places a workflow's nodes left to right by depth (a layered layout): each node one
// column after its deepest input, rows ordered by the average row of the inputs.

export const NODE_WIDTH = 184;
export const COLUMN_GAP = 56;
export const ROW_HEIGHT = 132;
const MARGIN = 32;

export function layout(nodes, edges) {
  const inputs = new Map(nodes.map((node) => [node.id, []]));
  const outputs = new Map(nodes.map((node) => [node.id, []]));
  for (const edge of edges) {
    if (!inputs.has(edge.target) || !outputs.has(edge.source)) continue;
    inputs.get(edge.target).push(edge.source);
    outputs.get(edge.source).push(edge.target);
  }
  // Kahn's order; nodes left in a cycle go after everything else.
  const depth = new Map();
  const waiting = new Map(nodes.map((node) => [node.id, inputs.get(node.id).length]));
  const ready = nodes.filter((node) => waiting.get(node.id) === 0).map((node) => node.id);
  for (const id of ready) depth.set(id, 0);
  while (ready.length) {
    const id = ready.shift();
    for (const next of outputs.get(id)) {
      depth.set(next, Math.max(depth.get(next) ?? 0, depth.get(id) + 1));
      waiting.set(next, waiting.get(next) - 1);
      if (waiting.get(next) === 0) ready.push(next);
    }
  }
  const deepest = Math.max(0, ...depth.values());
  for (const node of nodes) if (!depth.has(node.id) || waiting.get(node.id) > 0) depth.set(node.id, deepest + 1);

  const columns = [];
  for (const node of nodes) {
    const column = depth.get(node.id);
    (columns[column] ||= []).push(node.id);
  }
  const row = new Map();
  const positions = {};
  columns.forEach((ids, column) => {
    if (!ids) return;
    const weight = (id) => {
      const rows = inputs.get(id).map((input) => row.get(input)).filter((value) => value !== undefined);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 0;
    };
    ids.sort((a, b) => weight(a) - weight(b));
    ids.forEach((id, index) => {
      row.set(id, index);
      positions[id] = { x: MARGIN + column * (NODE_WIDTH + COLUMN_GAP), y: MARGIN + index * ROW_HEIGHT };
    });
  });
  return positions;
}

/** The node ids on some cycle of the graph, and the edges between them. */
export function cycles(nodes, edges) {
  const outputs = new Map(nodes.map((node) => [node.id, []]));
  for (const edge of edges) if (outputs.has(edge.source)) outputs.get(edge.source).push(edge.target);
  // Tarjan's strongly connected components: a component of two or more nodes is a cycle.
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const inCycle = new Set();
  function visit(id) {
    indices.set(id, index);
    low.set(id, index);
    index += 1;
    stack.push(id);
    onStack.add(id);
    for (const next of outputs.get(id) || []) {
      if (!indices.has(next)) {
        if (!outputs.has(next)) continue;
        visit(next);
        low.set(id, Math.min(low.get(id), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(id, Math.min(low.get(id), indices.get(next)));
      }
    }
    if (low.get(id) === indices.get(id)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      if (component.length > 1) for (const item of component) inCycle.add(item);
    }
  }
  for (const node of nodes) if (!indices.has(node.id)) visit(node.id);
  const cycleEdges = new Set(edges.filter((edge) => inCycle.has(edge.source) && inCycle.has(edge.target)).map((edge) => edge.id));
  return { nodes: inCycle, edges: cycleEdges };
}
