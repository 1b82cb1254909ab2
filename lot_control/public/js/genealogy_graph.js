// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// A picture of a lot's or unit's genealogy on its form, for people who would rather look than
// read: what was used on the left, what was made on the right, one column per step. Drawn as
// plain SVG from lot_control.api.genealogy_graph; nothing is loaded from outside the app.

frappe.provide("lot_control.genealogy");

const NODE_WIDTH = 190;
const NODE_HEIGHT = 42;
const COLUMN_GAP = 70;
const ROW_GAP = 14;
const SVG_NS = "http://www.w3.org/2000/svg";

// Longest-path layers: a node sits one column right of the furthest thing it was made from.
// A loop (disassembly back into its own lots) cannot push a column past the number of nodes.
lot_control.genealogy.layers = function (nodes, edges) {
	const layer = Object.fromEntries(nodes.map((node) => [node.id, 0]));
	for (let pass = 0; pass < nodes.length; pass++) {
		let moved = false;
		for (const edge of edges) {
			if (layer[edge.to] < layer[edge.from] + 1 && layer[edge.from] + 1 < nodes.length) {
				layer[edge.to] = layer[edge.from] + 1;
				moved = true;
			}
		}
		if (!moved) break;
	}
	return layer;
};

// Within a column, nodes follow the average row of what they were made from (fewer crossings).
lot_control.genealogy.positions = function (nodes, edges) {
	const layer = lot_control.genealogy.layers(nodes, edges);
	const columns = [];
	for (const node of nodes) (columns[layer[node.id]] = columns[layer[node.id]] || []).push(node);
	const row = {};
	const inputs = {};
	for (const edge of edges) (inputs[edge.to] = inputs[edge.to] || []).push(edge.from);
	columns.forEach((column = []) => {
		const weight = (node) => {
			const known = (inputs[node.id] || []).filter((id) => id in row);
			return known.length ? known.reduce((sum, id) => sum + row[id], 0) / known.length : Infinity;
		};
		column.sort((a, b) => weight(a) - weight(b) || String(a.label).localeCompare(String(b.label)));
		column.forEach((node, index) => (row[node.id] = index));
	});
	const position = {};
	columns.forEach((column = [], x) =>
		column.forEach((node, y) => {
			position[node.id] = {
				x: 10 + x * (NODE_WIDTH + COLUMN_GAP),
				y: 10 + y * (NODE_HEIGHT + ROW_GAP),
			};
		})
	);
	const height = Math.max(...columns.map((column = []) => column.length), 1);
	return {
		position,
		width: 20 + columns.length * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP,
		height: 20 + height * (NODE_HEIGHT + ROW_GAP) - ROW_GAP,
	};
};

function svg_element(name, attributes = {}, text = null) {
	const element = document.createElementNS(SVG_NS, name);
	for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
	if (text !== null) element.textContent = text;
	return element;
}

function shorten(text, length = 26) {
	text = String(text || "");
	return text.length > length ? text.slice(0, length - 1) + "…" : text;
}

lot_control.genealogy.draw = function (container, graph) {
	const { nodes, edges } = graph;
	const { position, width, height } = lot_control.genealogy.positions(nodes, edges);
	const svg = svg_element("svg", {
		width,
		height,
		viewBox: `0 0 ${width} ${height}`,
		class: "lot-genealogy-graph",
		role: "img",
		"aria-label": __("Genealogy"),
	});
	const defs = svg_element("defs");
	const marker = svg_element("marker", {
		id: "lot-genealogy-arrow",
		viewBox: "0 0 10 10",
		refX: 10,
		refY: 5,
		markerWidth: 7,
		markerHeight: 7,
		orient: "auto-start-reverse",
	});
	marker.appendChild(svg_element("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "var(--gray-500, #888)" }));
	defs.appendChild(marker);
	svg.appendChild(defs);

	for (const edge of edges) {
		const from = position[edge.from];
		const to = position[edge.to];
		if (!from || !to) continue;
		const x1 = from.x + NODE_WIDTH;
		const y1 = from.y + NODE_HEIGHT / 2;
		const x2 = to.x;
		const y2 = to.y + NODE_HEIGHT / 2;
		const bend = Math.max(30, (x2 - x1) / 2);
		const path = svg_element("path", {
			d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
			fill: "none",
			stroke: "var(--gray-500, #888)",
			"stroke-width": 1.2,
			"marker-end": "url(#lot-genealogy-arrow)",
			"data-from": edge.from,
			"data-to": edge.to,
		});
		path.appendChild(svg_element("title", {}, `${edge.from} → ${edge.to}: ${edge.qty} (${__(edge.kind || "")})`));
		svg.appendChild(path);
		if (edge.qty && x2 > x1) {
			svg.appendChild(
				svg_element(
					"text",
					{ x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 3, "text-anchor": "middle", "font-size": 10, fill: "var(--text-muted, #666)" },
					String(+parseFloat(edge.qty).toFixed(3))
				)
			);
		}
	}

	for (const node of nodes) {
		const { x, y } = position[node.id];
		const group = svg_element("g", {
			class: "lot-genealogy-node",
			"data-node": node.id,
			"data-doctype": node.doctype,
			transform: `translate(${x}, ${y})`,
			style: "cursor: pointer",
		});
		const fill = node.is_start
			? "var(--yellow-100, #fff5cc)"
			: node.doctype === "Serialized Unit"
			? "var(--blue-50, #eef5ff)"
			: node.source === "Receipt"
			? "var(--green-50, #effaf1)"
			: "var(--gray-50, #f8f8f8)";
		group.appendChild(
			svg_element("rect", {
				width: NODE_WIDTH,
				height: NODE_HEIGHT,
				rx: 6,
				fill,
				stroke: node.is_start ? "var(--yellow-500, #e5a800)" : "var(--gray-400, #bbb)",
				"stroke-width": node.is_start ? 2 : 1,
			})
		);
		group.appendChild(svg_element("text", { x: 8, y: 17, "font-size": 12, "font-weight": 600, fill: "var(--text-color, #222)" }, shorten(node.label)));
		const detail = [node.item_code, node.status && __(node.status)].filter(Boolean).join(" · ");
		group.appendChild(svg_element("text", { x: 8, y: 33, "font-size": 10, fill: "var(--text-muted, #666)" }, shorten(detail, 32)));
		group.appendChild(svg_element("title", {}, [node.label, node.item_code, node.status].filter(Boolean).join("\n")));
		if (!node.is_start) {
			const doctype = node.doctype === "Batch" ? "Batch" : node.doctype;
			group.addEventListener("click", () => frappe.set_route("Form", doctype, node.id));
		}
		svg.appendChild(group);
	}
	container.innerHTML = "";
	container.appendChild(svg);
};

// On the form: a "Genealogy" section in the dashboard, drawn when the lot or unit has any.
lot_control.genealogy.show_on_form = function (frm, args) {
	if (frm.__genealogy_section) {
		frm.__genealogy_section.remove();
		frm.__genealogy_section = null;
	}
	if (frm.is_new()) return;
	const name = frm.doc.name;
	frappe
		.call({ method: "lot_control.api.genealogy_graph", args, type: "GET" })
		.then((r) => {
			const graph = r.message;
			if (!graph || !graph.edges.length || frm.doc.name !== name || frm.__genealogy_section) return;
			const body = frm.dashboard.add_section("", __("Genealogy"));
			frm.__genealogy_section = body.parent();
			const note = graph.truncated
				? `<p class="text-muted small">${__("The nearest {0} of {1} lots and units; Lot Trace lists them all.", [
						graph.nodes.length,
						graph.total_nodes,
				  ])}</p>`
				: `<p class="text-muted small">${__("What was used is on the left, what was made from it on the right. Click a box to open it.")}</p>`;
			body.html(`${note}<div class="lot-genealogy" style="overflow:auto; max-height:460px"></div>`);
			lot_control.genealogy.draw(body.find(".lot-genealogy").get(0), graph);
			frm.dashboard.show();
		});
};

frappe.ui.form.on("Lot", {
	refresh(frm) {
		lot_control.genealogy.show_on_form(frm, { lot: frm.doc.name });
	},
});

frappe.ui.form.on("Serialized Unit", {
	refresh(frm) {
		lot_control.genealogy.show_on_form(frm, { unit: frm.doc.name });
	},
});
