require_relative '../lib/shop'

RSpec.describe Invoice do
  it 'adds up its lines' do
    expect(Invoice.new.add('tea', 300).add('cake', 450).total).to eq(750)
  end

  it 'starts empty' do
    expect(Invoice.new.total).to eq(0)
  end

  describe '#line' do
    it 'shows a line in the default currency' do
      expect(Invoice.new.add('tea', 300).line(0)).to eq('tea: $3.00')
    end

    it 'names the item' do
      expect(Invoice.new.add('cake', 450).line(0)).to start_with('cake')
    end
  end
end
