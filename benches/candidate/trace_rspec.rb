# benches/candidate.sh's probe inside rspec, loaded with -r (after smoke's rspec_order.rb in a
# batch command, alone in a plain `rspec` run). With SMOKE_TRACE=FILE it appends timing marks to
# FILE in smoke's format (seconds since the epoch, what happened), so that they lie beside
# smoke's own: in a fork server, its fork of each child and the child's reaping; in each run (a
# child, or a plain rspec), entering and leaving the runner's run_specs, the reporter's start,
# each example's start and end, the reporter's stop and close, and an at_exit handler. Changes
# nothing else.

module SmokeTraceProbe
  FILE = ENV['SMOKE_TRACE']

  def self.mark(what)
    return unless FILE && !FILE.empty?

    now = Process.clock_gettime(Process::CLOCK_REALTIME)
    File.open(FILE, 'a') { |f| f.write(format("%.6f rb.%s\n", now, what)) }
  end

  # The reporter's notifications, each marked as it comes.
  class Listener
    EVENTS = %i[start example_started example_finished stop start_dump dump_failures
                dump_summary close].freeze
    EVENTS.each do |event|
      define_method(event) { |_notification| SmokeTraceProbe.mark(event) }
    end
  end

  # Around the runner (inside smoke's fork helper, loaded after this file): in a fork server's
  # child it is entered after the child's own set-up.
  module Runner
    def run_specs(example_groups)
      SmokeTraceProbe.mark('run_specs')
      @configuration.reporter.register_listener(Listener.new, *Listener::EVENTS)
      result = super
      SmokeTraceProbe.mark('run_specs.end')
      result
    end
  end

  # The fork server's forks and waits.
  module Fork
    def fork(*args, &block)
      SmokeTraceProbe.mark('fork')
      pid = super
      SmokeTraceProbe.mark('forked') if pid.nil?
      pid
    end

    def wait(*args)
      pid = super
      SmokeTraceProbe.mark('waited')
      pid
    end
  end
end

at_exit { SmokeTraceProbe.mark('at_exit') }
RSpec::Core::Runner.prepend(SmokeTraceProbe::Runner)
Process.singleton_class.prepend(SmokeTraceProbe::Fork)
