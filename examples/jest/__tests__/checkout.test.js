const cart = require('../src/cart');

test('a new session starts with an empty cart', () => {
  expect(cart.load()).toEqual([]);
});

test('checking out an empty cart costs nothing', () => {
  expect(cart.load().length * 300).toBe(0);
});
