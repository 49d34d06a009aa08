/* kv: a tiny key-value store in the file kv.db (one "key value" per line), with a log of every
 * command in kv.log.
 *   kv put KEY VALUE    store VALUE under KEY
 *   kv get KEY          print KEY's value; exit 1 when it has none
 *   kv missing KEY      exit 0 when KEY has no value, 1 when it has one */
#include <stdio.h>
#include <string.h>

static int lookup(const char *key, char *value, size_t size) {
  FILE *db = fopen("kv.db", "r");
  char line[512];
  int found = 0;
  if (!db) return 0;
  while (fgets(line, sizeof line, db)) {
    size_t n = strlen(key);
    if (strncmp(line, key, n) == 0 && line[n] == ' ') {
      snprintf(value, size, "%s", line + n + 1);
      value[strcspn(value, "\n")] = '\0';
      found = 1;
    }
  }
  fclose(db);
  return found;
}

int main(int argc, char **argv) {
  char value[512];
  FILE *log = fopen("kv.log", "a");
  if (log) {
    for (int i = 1; i < argc; i++) fprintf(log, i > 1 ? " %s" : "%s", argv[i]);
    fputc('\n', log);
    fclose(log);
  }
  if (argc == 4 && strcmp(argv[1], "put") == 0) {
    FILE *db = fopen("kv.db", "a");
    if (!db) return 2;
    fprintf(db, "%s %s\n", argv[2], argv[3]);
    return fclose(db) == 0 ? 0 : 2;
  }
  if (argc == 3 && strcmp(argv[1], "get") == 0) {
    if (!lookup(argv[2], value, sizeof value)) {
      fprintf(stderr, "kv: no value for %s\n", argv[2]);
      return 1;
    }
    printf("%s\n", value);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "missing") == 0) {
    if (lookup(argv[2], value, sizeof value)) {
      fprintf(stderr, "kv: %s is already set to '%s' (kv.db left over from another test?)\n", argv[2], value);
      return 1;
    }
    return 0;
  }
  fprintf(stderr, "usage: kv put KEY VALUE | kv get KEY | kv missing KEY\n");
  return 2;
}
