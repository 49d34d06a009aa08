const cart = require('../src/cart');

test('adding an item keeps it in the cart', () => {
  // The leak: the cart file is left behind for whichever file runs next.
  expect(cart.add('tea')).toContain('tea');
});
