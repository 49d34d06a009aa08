# A tiny shop whose price list keeps its currency in class-level state: whoever switches it
# switches it for every later caller in the same process.
class PriceList
  @currency = :usd

  class << self
    attr_accessor :currency
  end

  def self.price(cents)
    symbol = { usd: '$', eur: 'EUR ' }.fetch(currency)
    Kernel.format('%s%.2f', symbol, cents / 100.0)
  end
end

class Invoice
  def initialize
    @lines = []
  end

  def add(name, cents)
    @lines << [name, cents]
    self
  end

  def total
    @lines.sum { |_, cents| cents }
  end

  def line(index)
    name, cents = @lines.fetch(index)
    "#{name}: #{PriceList.price(cents)}"
  end
end
