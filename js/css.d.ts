// esbuild bundles the widget's stylesheet from `import "./widget.css"`; to the type
// checker a .css import is a module with nothing in it.
declare module "*.css";
