// Placeholder; the DrawPad front end is built here.
export default { render() {} };
