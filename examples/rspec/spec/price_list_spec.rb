require_relative '../lib/shop'

RSpec.describe PriceList do
  it 'formats dollars by default' do
    expect(PriceList.price(1250)).to eq('$12.50')
  end

  it 'formats euros once switched' do
    # The leak: the currency is switched for the whole process and never switched back.
    PriceList.currency = :eur
    expect(PriceList.price(1250)).to eq('EUR 12.50')
  end

  it 'rounds to cents' do
    expect(PriceList.price(1).end_with?('0.01')).to be(true)
  end
end
