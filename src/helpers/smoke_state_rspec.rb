# smoke's state snapshots for rspec (issue 26): what an example left behind in the process.
#
# smoke reruns a minimal failing sequence ([polluter, victim]) once more with SMOKE_STATE=PATH;
# rspec_order.rb then loads this file (only then: without the variable nothing here is loaded)
# and, around the examples it runs, takes a snapshot of the state an example can leave behind
# for the next one: constants of the loaded modules and classes, their class variables and
# class-level instance variables, their singleton and instance methods (by where they are
# defined, so a monkey-patch shows), ENV (per variable), Dir.pwd, $LOAD_PATH and global
# variables. Two snapshots before the first example (nothing runs between them) say which names
# change on their own (noise); after each example, the differences from the snapshot before are
# written to PATH as JSON lines, flushed at once (an example that kills the process keeps the
# lines before it). The lines are smoke's state protocol (issue 26):
#   {"begin": {"runner": "rspec", "names": N, "noise": [NAME...], "seconds": S}}
#   {"test": ID, "changes": [{"kind", "name", "before", "after", "added", "removed"}...]}
#   {"note": TEXT}
# smoke writes this file beside rspec_order.rb in its private folder; it is kept in smoke's
# repository as src/helpers/smoke_state_rspec.rb.
#
# It must not change the program: it reads only what is already loaded (never an autoload; the
# one require is of what rspec itself loads at its first failure, rspec_order.rb's FAILURE_LIBRARIES), calls
# Ruby's own Module and Kernel methods (bound, so a class that redefines `name` or `constants`
# is read as Ruby sees it), runs none of the program's code and never `inspect`s an arbitrary
# object (slow, side effects, addresses): objects are described by class, containers by size and
# a hash of a bounded number of elements. Every read is guarded; a failed read is a note, never
# an error. A snapshot stops at a time budget and a number of names, with a note. RSpec's
# modules, smoke's and a few of Ruby's internals (rubygems, bundler, RubyVM...) are never
# walked. What rspec-mocks stubs (stub_const, allow_any_instance_of, ...) is put back after the
# example's hooks, before the snapshot, so it shows nothing.

require 'json'

module SmokeState
  # Seconds one snapshot may take; past it, the snapshot keeps what it has taken.
  BUDGET = 0.5
  # Names one snapshot may hold.
  MAX_NAMES = 20_000
  # Keys or members of one container kept for added/removed.
  MAX_MEMBERS = 1000
  # Elements of one container that its fingerprint hashes (half from each end).
  MAX_HASHED = 64
  # Instance variables of one object that its fingerprint reads.
  MAX_IVARS = 16
  # Added or removed members written per change.
  MAX_LISTED = 10
  # Characters of one written value.
  MAX_TEXT = 120
  # Notes written per run.
  MAX_NOTES = 20

  # Trees never walked: the runner's, smoke's, and Ruby's own machinery, whose state changes
  # as it works (rubygems' and bundler's caches, the VM's statistics).
  SKIPPED = %w[RSpec SmokeExactOrder SmokeForkServer SmokeState Gem Bundler RubyVM DidYouMean
               ErrorHighlight SyntaxSuggest RbConfig].freeze

  # Globals Ruby sets on its own (the last match, the last exception, the last line read, the
  # last child's status), its command-line switches, and two read elsewhere ($LOAD_PATH) or
  # not at all ($LOADED_FEATURES: what has been required, as a test requires what it needs).
  SKIPPED_GLOBALS = %i[
    $~ $_ $! $@ $; $, $/ $\\ $. $< $> $0 $* $$ $? $: $" $& $` $' $+ $= $DEBUG $FILENAME $VERBOSE
    $PROGRAM_NAME $LOAD_PATH $LOADED_FEATURES $ERROR_INFO $ERROR_POSITION $FS $FIELD_SEPARATOR
    $OFS $OUTPUT_FIELD_SEPARATOR $RS $INPUT_RECORD_SEPARATOR $ORS $OUTPUT_RECORD_SEPARATOR
    $INPUT_LINE_NUMBER $NR $LAST_READ_LINE $DEFAULT_OUTPUT $DEFAULT_INPUT $PID $PROCESS_ID
    $CHILD_STATUS $LAST_MATCH_INFO $IGNORECASE $ARGV $MATCH $PREMATCH $POSTMATCH
    $LAST_PAREN_MATCH
  ].freeze

  # Ruby's own methods, called bound: a class may redefine any of them on itself.
  NAME = Module.instance_method(:name)
  CONSTANTS = Module.instance_method(:constants)
  CONST_GET = Module.instance_method(:const_get)
  SOURCE_LOCATION = Module.instance_method(:const_source_location)
  AUTOLOAD = Module.instance_method(:autoload?)
  ANCESTORS = Module.instance_method(:ancestors)
  SUPERCLASS = Class.instance_method(:superclass)
  CVARS = Module.instance_method(:class_variables)
  CVAR_GET = Module.instance_method(:class_variable_get)
  PUBLIC_METHODS = Module.instance_method(:instance_methods)
  PRIVATE_METHODS = Module.instance_method(:private_instance_methods)
  INSTANCE_METHOD = Module.instance_method(:instance_method)
  IVARS = Kernel.instance_method(:instance_variables)
  IVAR_GET = Kernel.instance_method(:instance_variable_get)
  CLASS = Kernel.instance_method(:class)
  OBJECT_ID = Kernel.instance_method(:object_id)
  SINGLETON_METHODS = Kernel.instance_method(:singleton_methods)
  SINGLETON_METHOD = Kernel.instance_method(:singleton_method)
  SINGLETON_CLASS = Kernel.instance_method(:singleton_class)
  HASH_SIZE = Hash.instance_method(:size)
  HASH_KEYS = Hash.instance_method(:keys)
  HASH_FETCH = Hash.instance_method(:fetch)
  ARRAY_SIZE = Array.instance_method(:size)
  ARRAY_SLICE = Array.instance_method(:[])
  STRUCT_VALUES = Struct.instance_method(:to_a)
  STRING_SIZE = String.instance_method(:size)
  STRING_SLICE = String.instance_method(:[])
  STRING_HASH = String.instance_method(:hash)
  STRING_INSPECT = String.instance_method(:inspect)

  # Matches no value (Set's place when the program has not loaded Set).
  NOT_A_CLASS = Class.new.freeze

  # One snapshot: name => [kind, value, members, fingerprint]. `value` is the short string
  # written as before/after, `members` the keys or members of a container (for added/removed)
  # or nil, `fingerprint` an Integer that tells two values with the same short string apart
  # (a long string's tail, a hash's values, another object of the same class) or nil.
  # `root`: the folder source locations are written relative to.
  def self.snapshot(root = Dir.pwd)
    Walk.new(root, BUDGET).run
  end

  # The changes from snapshot `a` to snapshot `b`, sorted by name, as the protocol writes them.
  # `ignore`: names never reported (noise); `partial`: one of the two snapshots was cut, so a
  # name missing from one of them says nothing.
  def self.diff(a, b, ignore = {}, partial = false)
    changes = []
    (a.keys | b.keys).each do |name|
      next if ignore.key?(name)

      old = a[name]
      new = b[name]
      next if old == new
      next if partial && (old.nil? || new.nil?)

      changes << change(name, old, new)
    end
    collapse(changes).sort_by { |c| c[:name] }
  end

  def self.change(name, old, new)
    before = old && old[1]
    after = new && new[1]
    added = []
    removed = []
    if old && new && (old[2] || new[2])
      added = listed((new[2] || []) - (old[2] || []))
      removed = listed((old[2] || []) - (new[2] || []))
    end
    if old && new && before == after && added.empty? && removed.empty?
      # Same short string, another fingerprint: say so rather than show two equal strings.
      after = "#{cut(after, MAX_TEXT - OTHER.size)}#{OTHER}"
    end
    { kind: (new || old)[0], name: name, before: before, after: after, added: added,
      removed: removed }
  end

  def self.listed(members)
    members.sort.first(MAX_LISTED)
  end

  # A module created (or removed) brings its constants, variables and methods with it: one
  # change for the module, none for what is inside it.
  def self.collapse(changes)
    created = {}
    deleted = {}
    changes.each do |c|
      next unless c[:kind] == 'constant'

      created[c[:name]] = true if c[:before].nil?
      deleted[c[:name]] = true if c[:after].nil?
    end
    return changes if created.empty? && deleted.empty?

    changes.reject do |c|
      parent = owner_of(c[:name], c[:kind])
      parent && ((c[:before].nil? && created[parent]) || (c[:after].nil? && deleted[parent]))
    end
  end

  # `Foo::Bar` for `Foo::Bar::BAZ`, `Foo::Bar.@x`, `Foo::Bar.now`, `Foo::Bar#save`.
  def self.owner_of(name, kind)
    return nil unless %w[constant class-variable class-ivar method].include?(kind)

    case kind
    when 'method' then name[/\A(.+?)[.#][^.#]+\z/, 1]
    when 'constant' then name[/\A(.+)::[^:]+\z/, 1]
    else name[/\A(.+?)\.@/, 1]
    end
  end

  # What a value whose short string did not change, but its contents did, is written with.
  OTHER = ' (other contents)'

  def self.cut(text, most = MAX_TEXT)
    text.size > most ? "#{text[0, most - 1]}…" : text
  end

  # `3 keys`, `1 key`.
  def self.counted(count, what)
    "#{count} #{what}#{'s' unless count == 1}"
  end

  # Text as JSON can write it: UTF-8, anything else replaced.
  def self.clean(text)
    return text if text.ascii_only?

    text = text.dup.force_encoding(Encoding::UTF_8)
    return text if text.valid_encoding?

    text.scrub { |bytes| bytes.unpack('C*').map { |b| format('\\x%02X', b) }.join }
  end

  # Reads one process's state into a snapshot (see SmokeState.snapshot). `notes`: what went
  # wrong or was cut, each once.
  class Walk
    attr_reader :notes, :cut

    # `texts`: each method's text by its home and definition, kept from one snapshot to the
    # next (most methods do not change between two examples, and their texts are most of a
    # snapshot's time).
    def initialize(root, budget, texts = {}.compare_by_identity)
      @root = root.end_with?('/') ? root : "#{root}/"
      @deadline = now + budget
      @budget = budget
      @entries = {}
      @texts = texts
      @relative = {}
      @notes = []
      @cut = false
    end

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end

    def run
      quietly do
        guard('ENV') { environment }
        guard('Dir.pwd') { folder }
        guard('$LOAD_PATH') { load_path }
        guard('global variables') { globals }
        guard('main') { ivars(TOPLEVEL_BINDING.receiver, 'main', 'global-variable') }
        guard('constants') { modules }
      end
      @entries
    end

    private

    # Warnings a read could print (a deprecated constant) stay unprinted.
    def quietly
      verbose = $VERBOSE
      deprecated = Warning.respond_to?(:[]) && Warning[:deprecated]
      $VERBOSE = nil
      Warning[:deprecated] = false if deprecated
      yield
    ensure
      $VERBOSE = verbose
      Warning[:deprecated] = true if deprecated
    end

    # Runs a read; one that fails is a note, and, for one name (`kind` given), a value that
    # stays the same from one snapshot to the next.
    def guard(what, kind = nil)
      yield
    rescue StopIteration
      raise
    rescue StandardError => e
      note("cannot read #{what} (#{e.class})")
      @entries[what] ||= [kind, '<unreadable>', nil, nil] if kind
    end

    def note(text)
      @notes << text
    end

    # One name's entry. The first one taken stays: `Dir.pwd` the folder is taken before
    # `Dir.pwd` the method.
    def put(name, kind, value, members = nil, fingerprint = nil)
      return if @entries.key?(name)

      size = @entries.size
      if size >= MAX_NAMES
        stop("snapshot cut at #{MAX_NAMES} names")
      elsif (size & 63).zero? && now > @deadline # the clock, every 64 names
        stop("snapshot cut after #{@budget} s (#{size} names)")
      end
      @entries[name] = [kind, value, members, fingerprint]
    end

    def stop(why)
      @cut = true
      note(why)
      raise StopIteration
    end

    def environment
      ENV.to_h.each do |key, value|
        put("ENV[#{SmokeState.clean(key).inspect.tr('"', "'")}]", 'env',
            SmokeState.cut(SmokeState.clean(value)), nil, value.hash)
      end
    end

    # The current folder; a long one keeps its end, which tells folders apart.
    def folder
      path = SmokeState.clean(Dir.pwd)
      path = "…#{path[-(MAX_TEXT - 1)..]}" if path.size > MAX_TEXT
      put('Dir.pwd', 'cwd', path, nil, Dir.pwd.hash)
    end

    def load_path
      paths = $LOAD_PATH.map { |path| SmokeState.clean(path.to_s) }
      put('$LOAD_PATH', 'load-path', "Array (#{paths.size} items)", paths.first(MAX_MEMBERS),
          paths.hash)
    end

    def globals
      global_variables.each do |name|
        next if SKIPPED_GLOBALS.include?(name) || name.to_s.start_with?('$-') ||
                name.to_s.match?(/\A\$\d+\z/)

        text = name.to_s
        guard(text, 'global-variable') do
          held = eval(text) # rubocop:disable Security/Eval
          # Reading a global that was never set lists it (nil) from then on: nil is no global.
          value(text, 'global-variable', held) unless held.nil?
        end
      end
    end

    # Constants from Object down, and what each module holds. A module is walked once, at its
    # own name (an alias of it is a constant like any other), depth first, the project's own
    # top-level constants (defined under the root) first: a snapshot cut short keeps them.
    def modules
      seen = {}.compare_by_identity
      seen[Object] = true
      guard('Object') { holdings(Object, 'Object') }
      stack = [[Object, nil]]
      until stack.empty?
        mod, path = stack.pop
        names = CONSTANTS.bind_call(mod, false).sort
        names = own_first(names) if path.nil?
        found = []
        names.each do |const|
          full = path ? "#{path}::#{const}" : const.to_s
          next if path.nil? && SKIPPED.include?(full)
          next if AUTOLOAD.bind_call(mod, const)

          held = constant(mod, const, full)
          if Module === held && !seen.key?(held) && NAME.bind_call(held) == full
            seen[held] = true
            guard(full) { holdings(held, full) }
            found << [held, full]
          end
        end
        stack.concat(found.reverse)
      end
    rescue StopIteration
      nil
    end

    # One constant's value, taken into the snapshot. An autoload whose file is already loaded
    # but defined nothing there (`autoload?` says nil, `const_get` raises NameError) is left
    # out, silently: reading it loads nothing.
    def constant(mod, const, full)
      begin
        held = CONST_GET.bind_call(mod, const, false)
      rescue NameError
        return nil
      end
      value(full, 'constant', held)
      held
    rescue StopIteration
      raise
    rescue StandardError => e
      note("cannot read #{full} (#{e.class})")
      @entries[full] ||= ['constant', '<unreadable>', nil, nil]
      nil
    end

    # Top-level constant names, those defined in a file under the root first.
    def own_first(names)
      own, other = names.partition do |const|
        where = SOURCE_LOCATION.bind_call(Object, const, false)
        where && where[0].to_s.start_with?(@root)
      rescue StandardError
        false
      end
      own + other
    end

    # A module's class variables, class-level instance variables and methods.
    def holdings(mod, path)
      CVARS.bind_call(mod, false).each do |name|
        full = "#{path}.#{name}"
        guard(full, 'class-variable') do
          value(full, 'class-variable', CVAR_GET.bind_call(mod, name))
        end
      end
      ivars(mod, path, 'class-ivar')
      singles = SINGLETON_METHODS.bind_call(mod, false)
      unless singles.empty?
        home = SINGLETON_CLASS.bind_call(mod)
        singles.each { |name| method_entry("#{path}.#{name}", mod, name, home, SINGLETON_METHOD) }
      end
      mixins(mod, path)
      [PUBLIC_METHODS, PRIVATE_METHODS].each do |list|
        list.bind_call(mod, false).each do |name|
          method_entry("#{path}##{name}", mod, name, mod, INSTANCE_METHOD)
        end
      end
    end

    # The modules a class includes or prepends itself (what answers before its superclass), as
    # `Foo.ancestors`, when there are any: an `include` or `prepend` changes which methods
    # answer without changing the class's own.
    def mixins(mod, path)
      all = ANCESTORS.bind_call(mod)
      parent = Class === mod ? SUPERCLASS.bind_call(mod) : nil
      own = parent ? all.take_while { |m| !m.equal?(parent) } : all
      return if own.size < 2

      names = own.map { |m| module_text(m) }
      put("#{path}.ancestors", 'method', SmokeState.cut("[#{names.join(', ')}]"),
          names.first(MAX_MEMBERS), names.hash)
    rescue StopIteration
      raise
    rescue StandardError => e
      note("cannot read #{path}.ancestors (#{e.class})")
    end

    # One method, read with `reader` (the many methods of a snapshot take most of its time:
    # no block, and the limits checked as for any name).
    def method_entry(full, mod, name, home, reader)
      code = reader.bind_call(mod, name)
      texts = (@texts[home] ||= {})
      put(full, 'method', texts[code] ||= method_text(code, home))
    rescue StopIteration
      raise
    rescue StandardError => e
      note("cannot read #{full} (#{e.class})")
      @entries[full] ||= ['method', '<unreadable>', nil, nil]
    end

    def ivars(object, path, kind)
      IVARS.bind_call(object).each do |name|
        full = "#{path}.#{name}"
        guard(full, kind) { value(full, kind, IVAR_GET.bind_call(object, name)) }
      end
    end

    # A method by where it is defined, and by its owner when that is not `home` (a prepended
    # module): never by an address.
    def method_text(code, home)
      where = code.source_location
      at = where ? " at #{relative(where[0])}:#{where[1]}" : ' (native)'
      owner = code.owner
      from = owner.equal?(home) ? '' : " from #{module_text(owner)}"
      SmokeState.cut("<method#{from}#{at}>")
    end

    def relative(file)
      @relative[file] ||= begin
        file = file.to_s
        file.start_with?(@root) ? file[@root.size..] : file
      end
    end

    def module_text(mod)
      name = NAME.bind_call(mod)
      name ? SmokeState.clean(name) : "<anonymous #{Class === mod ? 'class' : 'module'}>"
    end

    # One value: its short text, members and fingerprint.
    def value(name, kind, held)
      case held
      when Hash
        keys = HASH_KEYS.bind_call(held)
        size = HASH_SIZE.bind_call(held)
        put(name, kind, "Hash (#{SmokeState.counted(size, 'key')})",
            keys.first(MAX_MEMBERS).map { |k| short(k) },
            ends(keys).map { |k| [short(k), short(HASH_FETCH.bind_call(held, k))] }.hash)
      when Array
        size = ARRAY_SIZE.bind_call(held)
        put(name, kind, "Array (#{SmokeState.counted(size, 'item')})",
            (ARRAY_SLICE.bind_call(held, 0, MAX_MEMBERS) || []).map { |e| short(e) },
            ends(held).map { |e| short(e) }.hash)
      when set_class || NOT_A_CLASS
        set(name, kind, held)
      when String
        put(name, kind, short(held), nil, string_fingerprint(held))
      when Struct
        values = ends(STRUCT_VALUES.bind_call(held)).map { |e| short(e) }
        put(name, kind, short(held), nil, [OBJECT_ID.bind_call(held), values].hash)
      when nil, true, false, Integer, Float, Symbol, Module, Proc, Method, UnboundMethod, Range,
           Regexp
        put(name, kind, short(held))
      else
        put(name, kind, short(held), nil, object_fingerprint(held))
      end
    end

    # A Set by its members, read from the Hash it keeps them in (set.rb's @hash), so that none
    # of its code (or a subclass's) runs; a Set kept otherwise is an object like any other.
    def set(name, kind, held)
      table = IVAR_GET.bind_call(held, :@hash)
      return put(name, kind, short(held), nil, object_fingerprint(held)) unless Hash === table

      members = HASH_KEYS.bind_call(table).first(MAX_MEMBERS).map { |m| short(m) }
      size = HASH_SIZE.bind_call(table)
      put(name, kind, "Set (#{SmokeState.counted(size, 'member')})", members,
          [size, members.sort].hash)
    end

    # Set, only once the program has loaded it.
    def set_class
      return @set if defined?(@set)

      @set = !AUTOLOAD.bind_call(Object, :Set) && Object.const_defined?(:Set, false) &&
             CONST_GET.bind_call(Object, :Set, false)
      @set = nil unless @set.is_a?(Class)
      @set
    end

    # The first and last elements of a container (keys of a Hash), at most MAX_HASHED.
    def ends(list)
      size = list.size
      return list if size <= MAX_HASHED

      half = MAX_HASHED / 2
      ARRAY_SLICE.bind_call(list, 0, half) + ARRAY_SLICE.bind_call(list, size - half, half)
    end

    # A string's hash (of its first 100 000 characters and its size, for a longer one).
    def string_fingerprint(text)
      size = STRING_SIZE.bind_call(text)
      return STRING_HASH.bind_call(text) if size <= 100_000

      [size, STRING_HASH.bind_call(STRING_SLICE.bind_call(text, 0, 100_000))].hash
    end

    # Which object it is and its own instance variables, shallowly.
    def object_fingerprint(held)
      names = IVARS.bind_call(held)
      [OBJECT_ID.bind_call(held), names.size,
       names.first(MAX_IVARS).map { |n| [n, short(IVAR_GET.bind_call(held, n))] }].hash
    rescue StandardError
      nil
    end

    # A short deterministic text for any value, without calling its own methods.
    def short(held)
      case held
      when nil, true, false, Float, Symbol then SmokeState.cut(SmokeState.clean(held.inspect))
      when Integer
        held.bit_length > 256 ? "Integer (#{held.bit_length} bits)" : SmokeState.cut(held.inspect)
      when String then string_text(held)
      when Module then "#{Class === held ? 'class' : 'module'} #{module_text(held)}"
      when Method, UnboundMethod then method_text(held, held.owner)
      when Proc
        where = held.source_location
        where ? "<proc at #{relative(where[0])}:#{where[1]}>" : '<proc>'
      when Hash then "Hash (#{SmokeState.counted(HASH_SIZE.bind_call(held), 'key')})"
      when Array then "Array (#{SmokeState.counted(ARRAY_SIZE.bind_call(held), 'item')})"
      when Regexp then SmokeState.cut(SmokeState.clean("/#{held.source}/"))
      else "<#{module_text(CLASS.bind_call(held))} object>"
      end
    rescue StandardError
      '<unreadable>'
    end

    # A string as Ruby writes it, in single quotes, its first MAX_TEXT characters.
    def string_text(held)
      size = STRING_SIZE.bind_call(held)
      head = size > MAX_TEXT ? STRING_SLICE.bind_call(held, 0, MAX_TEXT) : held
      text = SmokeState.clean(STRING_INSPECT.bind_call(head)).tr('"', "'")
      SmokeState.cut(size > MAX_TEXT ? "#{text}…" : text)
    end
  end

  # Writes the protocol's lines for one run to `path` (see the top of this file): `begin`
  # before the first example, `after` after each one. Never raises: what fails is a note.
  class Tracker
    def initialize(path)
      @out = File.open(path, 'w')
      @out.sync = true
      @written = {}
      @noise = {}
      @previous = {}
      @partial = false
      @texts = {}.compare_by_identity
    end

    # The two baseline snapshots, the noise between them, and the begin line.
    def begin
      @root = Dir.pwd
      # What rspec loads at its first failure, loaded before the baseline, so that the first
      # failure does not show as the failing example defining `Kernel#pp`, `PP` and IO's
      # console methods (the fork server has it loaded already).
      SmokeExactOrder.preload_failure_reporting
      first, first_cut = take
      started = now
      second, second_cut = take
      seconds = now - started
      (first.keys | second.keys).each do |name|
        @noise[name] = true unless first[name] == second[name]
      end
      @previous = second
      @partial = first_cut || second_cut
      write(begin: { runner: 'rspec', names: second.size, noise: @noise.keys.sort,
                     seconds: seconds.round(4) })
    rescue StandardError => e
      write_note("state snapshot failed before the first example (#{e.class}: #{e.message})")
    end

    # The changes since the snapshot before, as example `name` (the id smoke asked for) left
    # them.
    def after(name)
      current, was_cut = take
      changes = SmokeState.diff(@previous, current, @noise, @partial || was_cut)
      @previous = current
      @partial = was_cut
      write(test: name, changes: changes)
    rescue StandardError => e
      write_note("state snapshot failed after #{name} (#{e.class}: #{e.message})")
      write(test: name, changes: [])
    end

    private

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end

    def take
      walk = Walk.new(@root, BUDGET, @texts)
      entries = walk.run
      walk.notes.each { |text| write_note(text) }
      [entries, walk.cut]
    end

    def write_note(text)
      return if @written.key?(text) || @written.size > MAX_NOTES

      @written[text] = true
      text = 'more notes left out' if @written.size > MAX_NOTES
      write(note: text)
    end

    def write(message)
      @out.write("#{JSON.generate(message)}\n")
    rescue StandardError
      nil
    end
  end
end
