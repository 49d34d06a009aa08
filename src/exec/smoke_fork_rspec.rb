# smoke's fork server for rspec (written by smoke into a private folder, loaded with -r after
# smoke's rspec_order.rb helper, which also writes the child's lines).
#
# smoke starts rspec once with this file and --dry-run. Once the spec files are loaded, instead
# of running examples, the process waits for requests on smoke's pipe; for each one it forks,
# and the child runs exactly the asked example ids in the asked order through rspec_order.rb,
# then finishes like any rspec run (after(:suite) hooks, exit status). The parent never runs an
# example, so every child starts from the state right after loading, as a fresh rspec would.
# A child ends as a fresh rspec does, less Ruby's freeing of its memory (see quick_exit).
#
# Protocol, one JSON object per line, as for pytest (see smoke_fork_pytest.py): smoke -> server
# {"tests": [...], "results": PATH, "env": {...}, "dir": PATH or null, "stop_at_failure": bool};
# server -> smoke {"ready": N} or {"unavailable": WHY} once, then per request {"missing": [...]}
# or {"pid": P} and {"exit": CODE} (negative: killed by that signal). The child writes to PATH
# {"start": ID} before each example and {"test": ID, "outcome": ..., "duration": S, "output":
# TEXT} after it.

require 'json'

module SmokeForkServer
  SERVING = ENV['SMOKE_FORK_SERVER'] == '1'

  if SERVING
    # Required with -r, before any formatter writes: keep smoke's pipes for the protocol, and
    # send everything rspec prints to stderr (smoke's log of the server).
    REQUESTS = STDIN.dup
    REPLIES = STDOUT.dup
    REPLIES.sync = true
    STDOUT.reopen(STDERR)
    STDIN.reopen(File::NULL)
  end

  def self.reply(message)
    REPLIES.write(JSON.generate(message) + "\n")
  end

  # The object ids of the files a child wrote to, which its end flushes (see quick_exit): ids,
  # so that a file the child drops is closed by the GC as in a fresh rspec (a WeakMap would do
  # too, but it empties itself as the finalizers run, before the last one).
  WRITTEN = {}

  # Prepended to IO in a child: every buffered write goes through IO#write (puts, print, <<,
  # printf and putc call it).
  module Written
    def write(*args)
      id = object_id
      WRITTEN[id] = true unless WRITTEN.key?(id)
      super
    end
  end

  # A child's end without Ruby's teardown. After the at_exit handlers and the finalizers, Ruby
  # frees every object and the VM; in a forked child each free writes to memory shared with the
  # server, which copies the page first: 3 to 4 ms a child for a small suite, 22 ms for a
  # 110 MB one, more than the examples of most candidates. The child ends where that begins,
  # having done all a fresh rspec does there that anyone can see: the last finalizer (one that
  # a finalizer makes runs after all the others) flushes the files the child wrote to and exits
  # with the status Ruby would have. That status is $! when the at_exit handlers begin (this
  # one, added last, runs first); if any handler after it raises (an `exit 2` too), Ruby's own
  # end takes over.
  def self.quick_exit
    at_exit do
      status = $!.nil? ? 0 : ($!.status if $!.is_a?(SystemExit))
      status = nil unless ObjectSpace.respond_to?(:_id2ref)
      raised = false
      TracePoint.new(:raise) { raised = true }.enable
      # Finalizers need objects that live until the end.
      @kept = [Object.new, Object.new]
      ObjectSpace.define_finalizer(@kept[0], proc do
        ObjectSpace.define_finalizer(@kept[1], proc do
          next if status.nil? || raised

          written = WRITTEN.keys.map do |id|
            ObjectSpace._id2ref(id)
          rescue StandardError
            nil
          end
          [STDOUT, STDERR, $stdout, $stderr, *written].each do |io|
            io.flush unless io.nil? || io.closed?
          rescue StandardError
            nil
          end
          exit!(status)
        end)
      end)
    end
  end

  # In a child: its results are the lines it writes, so the runner's own JSON results
  # ({json}, rspec's JsonFormatter writing to $SMOKE_JSON, a file opened once in the server) are
  # neither built (every example formatted at stop) nor written (after every earlier child's,
  # the file being shared).
  def self.skip_json_results(configuration)
    path = ENV['SMOKE_JSON'].to_s
    return if path.empty?

    configuration.formatters.each do |formatter|
      next unless formatter.class.name == 'RSpec::Core::Formatters::JsonFormatter'
      next unless formatter.output.respond_to?(:path)
      next unless File.expand_path(formatter.output.path.to_s) == File.expand_path(path)

      def formatter.stop(_notification); end

      def formatter.close(_notification); end
    end
  rescue StandardError
    nil
  end

  # The spec files of the examples a child says failed (its lines at `path`), not read yet.
  def self.failed_files(path, index)
    files = []
    File.foreach(path) do |line|
      next unless line.include?('"outcome":"failed"')

      example = index[SmokeExactOrder.key(JSON.parse(line)['test'].to_s)]
      files << example.metadata[:absolute_file_path] if example
    end
    files.uniq - (@read ||= [])
  rescue StandardError
    []
  end

  # rspec shows a failure with the expression that failed, found by parsing its spec file
  # (Ripper, 15 ms for a file of 50 examples) at the first failure in that file, and keeps the
  # parse for the rest of the process. A child's parse dies with it, so each failing child
  # paid it again: once a child has failed in a file, the server parses that file, and the
  # children after it start with the parse, as a fresh rspec has it after its first failure
  # there. Done after the child's answer, while smoke reads it.
  def self.read_sources(files)
    world = RSpec.world
    return unless world.respond_to?(:source_from_file)

    files.each do |file|
      (@read ||= []) << file
      source = world.source_from_file(file)
      source.lines
      source.tokens_by_line_number if source.respond_to?(:tokens_by_line_number)
      source.nodes_by_line_number if source.respond_to?(:nodes_by_line_number)
    rescue StandardError, SyntaxError, LoadError
      nil
    end
  end

  def run_specs(example_groups)
    return super unless SERVING

    world = RSpec.world
    if world.respond_to?(:rspec_is_quitting) && world.rspec_is_quitting
      SmokeForkServer.reply(unavailable: 'rspec could not load the spec files')
      exit!(0)
    end
    unless Process.respond_to?(:fork)
      SmokeForkServer.reply(unavailable: 'this Ruby cannot fork')
      exit!(0)
    end
    others = Thread.list.reject { |t| t == Thread.current }
    unless others.empty?
      SmokeForkServer.reply(unavailable: "threads are running after loading (#{others.size}); " \
                                         'forking would copy them stopped')
      exit!(0)
    end
    # rspec's failure printing, loaded once here: every child that sees a failure saves loading
    # it again (about 10 ms a child).
    SmokeExactOrder.preload_failure_reporting
    SmokeExactOrder.one_attempt
    index = {}
    world.all_examples.each { |e| index[SmokeExactOrder.key(e.id)] ||= e }
    SmokeForkServer.reply(ready: index.size)
    request = nil
    loop do
      line = REQUESTS.gets
      exit!(0) if line.nil?
      request = JSON.parse(line)
      missing = request['tests'].reject { |id| index.key?(SmokeExactOrder.key(id)) }
      unless missing.empty?
        SmokeForkServer.reply(missing: missing)
        next
      end
      pid = Process.fork
      break if pid.nil?

      SmokeForkServer.reply(pid: pid)
      Process.wait(pid)
      status = $?
      failed = SmokeForkServer.failed_files(request['results'], index)
      SmokeForkServer.reply(exit: status.exited? ? status.exitstatus : -status.termsig.to_i)
      SmokeForkServer.read_sources(failed)
    end

    # The child: its own process group (smoke kills it whole on a timeout), the sequence's
    # variables and folder, then the asked ids through rspec_order.rb.
    Process.setpgid(0, 0)
    REQUESTS.close
    REPLIES.close
    # Found by the server's index (its keys are paths from the server's folder: before chdir).
    SmokeExactOrder.found = request['tests'].to_h { |id| [id, index[SmokeExactOrder.key(id)]] }
    (request['env'] || {}).each { |k, v| ENV[k] = v }
    Dir.chdir(request['dir']) if request['dir']
    asked = request['tests']
    ARGV.replace(asked)
    @configuration.force(dry_run: false)
    @configuration.fail_fast = 1 if request['stop_at_failure']
    SmokeExactOrder::Lines.new(request['results'], SmokeExactOrder.names(asked))
                      .listen(@configuration.reporter)
    SmokeForkServer.skip_json_results(@configuration)
    IO.prepend(Written)
    code = super
    SmokeForkServer.quick_exit
    code
  end
end

RSpec::Core::Runner.prepend(SmokeForkServer)
