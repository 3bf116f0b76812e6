"""Interactive 3-D pages of objects and grasps (self-contained HTML, plain WebGL). Nothing is re-exported."""
