// A shopping cart kept in a file on disk, as a session store would keep it. Jest gives every
// test file fresh modules and globals, but this file outlives them all.
const fs = require('fs');
const path = require('path');

const STORE = path.join(__dirname, '..', 'tmp', 'cart.json');

function load() {
  try {
    return JSON.parse(fs.readFileSync(STORE, 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') {
      return [];
    }
    throw e;
  }
}

function add(item) {
  const items = load();
  items.push(item);
  fs.mkdirSync(path.dirname(STORE), { recursive: true });
  fs.writeFileSync(STORE, JSON.stringify(items));
  return items;
}

function clear() {
  fs.rmSync(STORE, { force: true });
}

module.exports = { load, add, clear };
