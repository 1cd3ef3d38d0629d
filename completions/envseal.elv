
use builtin;
use str;

set edit:completion:arg-completer[envseal] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'envseal'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'envseal'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand generate-key 'Generate a new master key (32 random bytes from the OS), or with --age an age identity'
            cand encrypt 'Encrypt a .env file into a committable .env.encrypted'
            cand decrypt 'Decrypt an encrypted file (v1 or Fernet, told apart by content)'
            cand rotate 'Rotate the master key: re-encrypt every file under the current key with a new one'
            cand status 'Show the project''s encrypted files, key ages, due rotations and problems'
            cand mask 'Mask secrets: a masked view of a .env file, a streaming filter, or a leak check'
            cand hook 'Install, remove or run the git hooks (pre-commit and pre-merge-commit)'
            cand run 'Run a command with the decrypted variables in its environment; nothing is written to disk'
            cand edit 'Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save'
            cand set 'Set one value in an encrypted file, in place; the value never goes on the command line'
            cand unset 'Remove one key from an encrypted file, in place'
            cand get 'Print one decrypted value, raw (no newline added), on stdout'
            cand export 'Write the decrypted variables to stdout in a format another tool reads'
            cand key 'Manage the keyring: import a key someone gave you, list the keys you hold'
            cand completions 'Print a shell completion script (also committed under completions/)'
            cand sync 'Reconcile a .env file and its encrypted file when both changed since the last sync'
            cand merge 'Git merge driver: merge three versions of an encrypted file key by key'
            cand recipients 'Manage who can decrypt: the key slots of encrypted v1 files'
            cand updatekeys 'Make each file''s key slots match its [[creation_rules]] rule in .envseal/config.toml'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envseal;generate-key'= {
            cand --out 'Write the key to this file (mode 0600) instead of the keyring'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --stdout 'Print the key itself on stdout (for a secret store); nothing is saved'
            cand --force 'Replace an existing --out file'
            cand --json 'Print {"key_id": ..., "path": ...} on stdout ({"recipient": ..., "path": ...} with --age)'
            cand --age 'Generate an age identity (a private key; its recipient age1... is public) instead of a master key. Never replaces an existing file'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;encrypt'= {
            cand -f 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form'
            cand --env-path 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form'
            cand --file 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form'
            cand -o 'Where to write [default: FILE.encrypted]'
            cand --output 'Where to write [default: FILE.encrypted]'
            cand --format 'Output format'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --age 'For a NEW output: wrap its data key for this age recipient (`age1...`), one slot each; `NAME=age1...` names the slot (for `recipients list` and `remove`). Repeatable. No master slot is written unless --master is given. An existing output keeps its slots: change them with `envseal recipients add/remove`'
            cand --ssh 'For a NEW output: a slot for this OpenSSH public key (`ssh-ed25519 AAAA...` or a .pub file; `NAME=...` names it). Repeatable'
            cand --aws-kms 'For a NEW output: a slot for this AWS KMS key (key ARN or alias ARN; wrapping needs kms:Encrypt on it). Repeatable'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --stdout 'Write the encrypted file to stdout'
            cand --encrypt-comments 'Encrypt every comment too (by default only comments that read like assignments, such as #OLD_PASSWORD=..., are encrypted)'
            cand --force 'Overwrite an output that is not this file under this key (other key, other format, not encrypted) without asking'
            cand --yes 'Overwrite an output that is not this file under this key (other key, other format, not encrypted) without asking'
            cand --master 'With --age/--ssh/--aws-kms: also write a master-key slot (the master key from the usual sources)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;decrypt'= {
            cand -f 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form'
            cand --encrypted-path 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form'
            cand --file 'Same as FILE (legacy name). `-f` means `--file` in every command; `--force` has no short form'
            cand -o 'Where to write [default: FILE without .encrypted]'
            cand --output 'Where to write [default: FILE without .encrypted]'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --stdout 'Write the plaintext to stdout instead of a file'
            cand --textconv 'For git''s textconv, showing PLAINTEXT values (opt-in; `envseal mask --textconv` shows masked ones): FILE to stdout, never a prompt, every key at hand tried by key id, and a file no key at hand opens shown as it is (exit 0). Beware: `git commit -v` then writes decrypted values into .git/COMMIT_EDITMSG'
            cand --force 'Replace an existing, different output without asking'
            cand --yes 'Replace an existing, different output without asking'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;rotate'= {
            cand --reason 'Why (recorded in the ledger)'
            cand --new-key-file 'Save the new key to this file (mode 0600) instead of the keyring'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --no-backup 'Do not keep FILE.backup_<time> copies of the old encrypted files'
            cand --force 'Do not ask for confirmation (needed without a terminal)'
            cand --yes 'Do not ask for confirmation (needed without a terminal)'
            cand --resume 'Finish the unfinished rotation the ledger shows'
            cand --abort 'Undo the unfinished rotation: every file back under the old key (from the backups where they match)'
            cand --json 'Print the outcome as JSON on stdout'
            cand --recurse-submodules 'Also rotate the encrypted files of git submodules (other repositories; by default the project stops at a submodule''s boundary)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;status'= {
            cand --limit 'How many history rows (rotations and recipient changes together)'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --check 'Exit 1 when a file is stale, corrupt or edited by hand, a key is overdue, a plaintext env file is tracked by git or not ignored by it, a rotation is unfinished, or a file lacks the secret slot its creation rule requires (require_secret_slot); print one line per problem'
            cand --history 'Show the rotation history from the ledger, newest first, with the key-slot (recipient) changes merged in by time'
            cand --json 'Machine-readable output (schema in the README)'
            cand --recurse-submodules 'Also look into git submodules (by default the project stops at a submodule''s boundary: its files belong to another repository)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;mask'= {
            cand --secrets 'Where the secret values come from (.env or .env.encrypted; repeatable). With --check it defaults to the project''s env files'
            cand --min-len 'Values shorter than this many bytes are not treated as secrets (true, 1, ...)'
            cand --dialect 'Whose reading of the --secrets files gives the values to mask (filter, --check): python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python]. The view masks the file''s text as written, whatever the dialect'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --all 'Mask every value, not only the sensitive ones (view)'
            cand --check 'Search for secret values instead of printing; exit 1 on a hit'
            cand --staged 'With --check: search the content staged in git (for a pre-commit hook)'
            cand --all-values 'With --check: look for every value of the secrets files, not only the values of sensitive names, URL passwords and lines that are not assignments'
            cand --named 'Replace with [MASKED:KEY_NAME] instead of ***'
            cand --textconv 'For git''s textconv (diff.envseal.textconv "envseal mask --textconv"): the masked view of FILE, never a prompt; every key at hand is tried by key id, and a file no key at hand opens is shown as it is (exit 0), so `git log -p` never breaks'
            cand --line-buffered 'Flush each line as soon as it is complete (automatic when stdout is a terminal)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;hook'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand install 'Add the envseal block to the repository''s pre-commit and pre-merge-commit hooks'
            cand uninstall 'Remove the envseal block (and a hook file if nothing else is in it)'
            cand run 'Check the staged content (what the hook runs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envseal;hook;install'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;hook;uninstall'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;hook;run'= {
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --no-leak-check 'Skip the secret-value leak check (plaintext and stale checks only)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;hook;help'= {
            cand install 'Add the envseal block to the repository''s pre-commit and pre-merge-commit hooks'
            cand uninstall 'Remove the envseal block (and a hook file if nothing else is in it)'
            cand run 'Check the staged content (what the hook runs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envseal;hook;help;install'= {
        }
        &'envseal;hook;help;uninstall'= {
        }
        &'envseal;hook;help;run'= {
        }
        &'envseal;hook;help;help'= {
        }
        &'envseal;run'= {
            cand -f 'The encrypted file [default: .env.encrypted]'
            cand --file 'The encrypted file [default: .env.encrypted]'
            cand --dialect 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python]'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --override 'Values from the file replace variables already set in the environment'
            cand --expand 'Expand ${VAR} (the default of the python and dotenvy dialects; kept for scripts written when expansion was opt-in)'
            cand --no-expand 'Keep ${VAR} as written (python dialect: python-dotenv''s interpolate=False)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;edit'= {
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;set'= {
            cand -f 'The encrypted file [default: .env.encrypted]'
            cand --file 'The encrypted file [default: .env.encrypted]'
            cand --after 'Put a new key after this one (a key that exists stays where it is)'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --from-file 'Read the value from the file PATH, byte for byte (a final newline is kept)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;unset'= {
            cand -f 'The encrypted file [default: .env.encrypted]'
            cand --file 'The encrypted file [default: .env.encrypted]'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;get'= {
            cand -f 'The encrypted file [default: .env.encrypted]'
            cand --file 'The encrypted file [default: .env.encrypted]'
            cand --dialect 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python] (README, "Dialects")'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --json 'Print {"key": ..., "value": ...} and a newline'
            cand --force 'Print on a terminal without asking'
            cand --yes 'Print on a terminal without asking'
            cand --no-expand 'Keep ${VAR} as written (python dialect: python-dotenv''s interpolate=False)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;export'= {
            cand --as 'The output format'
            cand -f 'The encrypted file [default: .env.encrypted]'
            cand --file 'The encrypted file [default: .env.encrypted]'
            cand --name 'k8s: the Secret''s name [default: from the file name, e.g. env-production]'
            cand --namespace 'k8s: the Secret''s namespace [default: none, kubectl''s current one]'
            cand --dialect 'Whose reading gives the values: python, node or dotenvy [default: `dialect` in .envseal/config.toml, else python] (README, "Dialects")'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --force 'Write to a terminal without asking'
            cand --yes 'Write to a terminal without asking'
            cand --no-expand 'Keep ${VAR} as written (python dialect: python-dotenv''s interpolate=False)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;key'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand import 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id'
            cand list 'List the keyring''s keys: key id, when its file was written, file. Never the key'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envseal;key;import'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;key;list'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --json 'Print JSON: `{"schema": 1, "keys": [{"id", "file", "created"}]}` (`created`: when the key file was written, RFC 3339 UTC)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;key;help'= {
            cand import 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id'
            cand list 'List the keyring''s keys: key id, when its file was written, file. Never the key'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envseal;key;help;import'= {
        }
        &'envseal;key;help;list'= {
        }
        &'envseal;key;help;help'= {
        }
        &'envseal;completions'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;sync'= {
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;merge'= {
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;recipients'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand add 'Wrap each file''s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is'
            cand list 'List each file''s key slots: kind, key id, name, public form, created. Needs no key'
            cand remove 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envseal;recipients;add'= {
            cand --age 'An age recipient (age1...)'
            cand --ssh 'An OpenSSH public key (`ssh-ed25519 AAAA...`) or a .pub file'
            cand --aws-kms 'An AWS KMS key ARN or alias ARN (needs kms:Encrypt on it)'
            cand --name 'A name for the slot (letters, digits, `.`, `_`, `-`, `@`), shown by `list` and accepted by `remove`. Not for --aws-kms (its ARN names it)'
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;recipients;list'= {
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --json 'Print JSON (schema in the README, "Team keys")'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;recipients;remove'= {
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --yes 'Do not ask for confirmation (needed without a terminal)'
            cand --force 'Do not ask for confirmation (needed without a terminal)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'envseal;recipients;help'= {
            cand add 'Wrap each file''s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is'
            cand list 'List each file''s key slots: kind, key id, name, public form, created. Needs no key'
            cand remove 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envseal;recipients;help;add'= {
        }
        &'envseal;recipients;help;list'= {
        }
        &'envseal;recipients;help;remove'= {
        }
        &'envseal;recipients;help;help'= {
        }
        &'envseal;updatekeys'= {
            cand --key-file 'Read the master key from this file'
            cand --key-id 'Use this key from the keyring (sha256:...)'
            cand --identity 'An age identity file or an unencrypted OpenSSH private key that opens the file''s age or ssh slot (repeatable; tried before ENVSEAL_AGE_KEY, ENVSEAL_AGE_KEY_FILE, the identities directory and ~/.ssh/id_ed25519, id_rsa)'
            cand --ledger 'The ledger database [default: $ENVSEAL_LEDGER, else envseal/ledger.db in the git common directory (.git/envseal/ledger.db), outside git .envseal/ledger.db in the project root]'
            cand --yes 'Do not ask for confirmation (needed without a terminal)'
            cand --force 'Do not ask for confirmation (needed without a terminal)'
            cand --dry-run 'Print the plan and change nothing'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more about what is done (never secrets)'
            cand --verbose 'Say more about what is done (never secrets)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'envseal;help'= {
            cand generate-key 'Generate a new master key (32 random bytes from the OS), or with --age an age identity'
            cand encrypt 'Encrypt a .env file into a committable .env.encrypted'
            cand decrypt 'Decrypt an encrypted file (v1 or Fernet, told apart by content)'
            cand rotate 'Rotate the master key: re-encrypt every file under the current key with a new one'
            cand status 'Show the project''s encrypted files, key ages, due rotations and problems'
            cand mask 'Mask secrets: a masked view of a .env file, a streaming filter, or a leak check'
            cand hook 'Install, remove or run the git hooks (pre-commit and pre-merge-commit)'
            cand run 'Run a command with the decrypted variables in its environment; nothing is written to disk'
            cand edit 'Edit an encrypted file in $VISUAL / $EDITOR and re-encrypt it on save'
            cand set 'Set one value in an encrypted file, in place; the value never goes on the command line'
            cand unset 'Remove one key from an encrypted file, in place'
            cand get 'Print one decrypted value, raw (no newline added), on stdout'
            cand export 'Write the decrypted variables to stdout in a format another tool reads'
            cand key 'Manage the keyring: import a key someone gave you, list the keys you hold'
            cand completions 'Print a shell completion script (also committed under completions/)'
            cand sync 'Reconcile a .env file and its encrypted file when both changed since the last sync'
            cand merge 'Git merge driver: merge three versions of an encrypted file key by key'
            cand recipients 'Manage who can decrypt: the key slots of encrypted v1 files'
            cand updatekeys 'Make each file''s key slots match its [[creation_rules]] rule in .envseal/config.toml'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'envseal;help;generate-key'= {
        }
        &'envseal;help;encrypt'= {
        }
        &'envseal;help;decrypt'= {
        }
        &'envseal;help;rotate'= {
        }
        &'envseal;help;status'= {
        }
        &'envseal;help;mask'= {
        }
        &'envseal;help;hook'= {
            cand install 'Add the envseal block to the repository''s pre-commit and pre-merge-commit hooks'
            cand uninstall 'Remove the envseal block (and a hook file if nothing else is in it)'
            cand run 'Check the staged content (what the hook runs)'
        }
        &'envseal;help;hook;install'= {
        }
        &'envseal;help;hook;uninstall'= {
        }
        &'envseal;help;hook;run'= {
        }
        &'envseal;help;run'= {
        }
        &'envseal;help;edit'= {
        }
        &'envseal;help;set'= {
        }
        &'envseal;help;unset'= {
        }
        &'envseal;help;get'= {
        }
        &'envseal;help;export'= {
        }
        &'envseal;help;key'= {
            cand import 'Save a key (from FILE, or `-` for stdin; hidden prompt on a terminal) into the keyring as <id>.key, mode 0600; prints its key id'
            cand list 'List the keyring''s keys: key id, when its file was written, file. Never the key'
        }
        &'envseal;help;key;import'= {
        }
        &'envseal;help;key;list'= {
        }
        &'envseal;help;completions'= {
        }
        &'envseal;help;sync'= {
        }
        &'envseal;help;merge'= {
        }
        &'envseal;help;recipients'= {
            cand add 'Wrap each file''s existing data key for one more recipient (needs a key that opens the file). A recipient already there is left as it is'
            cand list 'List each file''s key slots: kind, key id, name, public form, created. Needs no key'
            cand remove 'Remove a recipient: a new data key, every value encrypted again, the other slots re-wrapped. Then rotate the values it names at their providers: git history stays readable to the removed person'
        }
        &'envseal;help;recipients;add'= {
        }
        &'envseal;help;recipients;list'= {
        }
        &'envseal;help;recipients;remove'= {
        }
        &'envseal;help;updatekeys'= {
        }
        &'envseal;help;help'= {
        }
    ]
    $completions[$command]
}
