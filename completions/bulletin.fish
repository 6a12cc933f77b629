# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_bulletin_global_optspecs
    string join \n h/help V/version
end

function __fish_bulletin_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_bulletin_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_bulletin_using_subcommand
    set -l cmd (__fish_bulletin_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c bulletin -n "__fish_bulletin_needs_command" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_needs_command" -s V -l version -d 'Print version'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "check" -d 'Check a bulletin (and its publisher.yaml), and the recipients file, without writing anything'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "render" -d 'Render a bulletin as an HTML email, a plain-text email and a complete .eml message'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "send" -d 'Send a bulletin to a mailing list: one message per person, resumable, never twice'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "approve" -d 'Record that an approver (`approvers` in publisher.yaml) approved a bulletin as it is now'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "lists" -d 'Show the mailing lists in the recipients file, with how many people each reaches'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "report" -d 'Show who got an issue, list by list (delivered, failed and why), or the recent issues'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "dates" -d 'List the key dates still to come (the next 8 weeks) across the archive, for planning'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "inbox" -d 'Read bounces, complaints and unsubscribe requests, and suppress those addresses for send'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "unsuppress" -d 'Send the bulletin again to an address that `bulletin inbox` suppressed'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "desk" -d 'Write, check and send the bulletin in the browser: the desk, on this computer only'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "preview" -d 'Preview a bulletin in the browser, reloading it whenever the file is saved'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "archive" -d 'Add a bulletin to the archive (a static website: a page per issue, an index and a feed)'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "init" -d 'Start a new office\'s folder: publisher.yaml, recipients.yaml, the first issue and schemas'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "new" -d 'Start next week\'s bulletin from a skeleton: bulletins/<date>.yaml'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "import" -d 'Make a bulletin written in Word (.docx) into a bulletin file: bulletins/<date>.yaml'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "schema" -d 'Print the JSON Schema of a bulletin, publisher.yaml or recipients.yaml, for editors'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "login" -d 'Keep the relay\'s password (or OAuth2 token) in this computer\'s own secret store, for send; with `auth: oauth2`, sign in to NHSmail or Microsoft 365 in the browser'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "logout" -d 'Remove the password, token or sign-in that `bulletin login` stored'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "completions" -d 'Print the script that completes bulletin\'s commands with the Tab key in your shell'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "man" -d 'Write the manual pages (bulletin.1, bulletin-send.1, ...) into a folder, for `man`'
complete -c bulletin -n "__fish_bulletin_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bulletin -n "__fish_bulletin_using_subcommand check" -l recipients -d 'Also check this recipients file (the office\'s recipients.yaml, found upwards from the current folder, is checked whenever there is one)' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand check" -l format -d 'How to show the problems: `human` (on stderr) or `json` (one document on stdout, for editors and scripts)' -r -f -a "human\t''
json\t''"
complete -c bulletin -n "__fish_bulletin_using_subcommand check" -l strict -d 'Treat warnings as errors'
complete -c bulletin -n "__fish_bulletin_using_subcommand check" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand render" -l out -d 'The folder to write <name>.html, <name>.txt and <name>.eml into (the name is the date, or date-issue)' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand render" -l to -d 'Who the sample .eml is addressed to' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand render" -l strict -d 'Treat warnings as errors'
complete -c bulletin -n "__fish_bulletin_using_subcommand render" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -l list -d 'The mailing list (see `bulletin lists`)' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -l test -d 'Send a test copy ("[TEST]" before the subject) to these addresses and lists only, e.g. `--test reviewers` or `--test ceo@example.org,reviewers`; nothing is recorded, so they still get the real issue later' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -l recipients -d 'The recipients file [default: recipients.yaml in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -l journal -d 'The journal of this bulletin\'s sends [default: beside the bulletin, named after its file: bulletins/2021-10-20.journal]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -l dry-run -d 'Show who would get it and who is skipped, without connecting to anything'
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -s y -l yes -d 'Send without asking for confirmation'
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -l retry-failed -d 'Try again the recipients whose delivery failed in an earlier run'
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -l correction -d 'The bulletin changed after it was sent: send this version to everyone on the list again, as a correction ("Correction: " before the subject), with its own journal'
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -l continue-changed -d 'The bulletin changed after it was sent: send this version only to those who have not had it yet (the journal records the change)'
complete -c bulletin -n "__fish_bulletin_using_subcommand send" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand approve" -l as -d 'Who approves it: one of `approvers` in publisher.yaml, e.g. --as "Dr Jane Smith"' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand approve" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand lists" -l recipients -d 'The recipients file [default: recipients.yaml in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand lists" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand report" -l csv -d 'Also write one row per person to this CSV file, for Excel (UTF-8, ISO dates)' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand report" -l recipients -d 'The recipients file [default: recipients.yaml in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand report" -l by -d 'Count by list, or by practice (from the Practice column of the office\'s spreadsheet, `people:`): reached or not, and why not' -r -f -a "list\t'One row per list'
practice\t'One row per practice: reached (someone delivered) or not, and why not'"
complete -c bulletin -n "__fish_bulletin_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulletin -n "__fish_bulletin_using_subcommand dates" -l weeks -d 'How many weeks ahead to look, from today' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand dates" -l archive -d 'The archive folder [default: archive/ in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand dates" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand inbox" -l dir -d 'Read the `.eml` files in this folder (mail saved from any mail program) instead of the mailbox in the recipients file' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand inbox" -l recipients -d 'The recipients file [default: recipients.yaml in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand inbox" -l confirm -d 'Suppress this address on a request or report that `inbox` listed for you to confirm (it showed no proof that it came from a bulletin sent to them); read nothing else' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand inbox" -l dismiss -d 'Drop a request or report that `inbox` listed for you to confirm, without suppressing the address (it was not genuine); read nothing else' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand inbox" -l dry-run -d 'Show what would change, without changing the suppressions file or marking any message'
complete -c bulletin -n "__fish_bulletin_using_subcommand inbox" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand unsuppress" -l recipients -d 'The recipients file, beside which suppressions.yaml is [default: recipients.yaml in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand unsuppress" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand desk" -l port -d 'The port to listen on [default: 8700, or any free port if it is taken]' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand desk" -l no-open -d 'Do not open the browser (the address is printed either way)'
complete -c bulletin -n "__fish_bulletin_using_subcommand desk" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand preview" -l port -d 'The port to listen on (0 picks a free one)' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand preview" -l bind -d 'Listen on this address instead of 127.0.0.1 (others on the network could then see it)' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand preview" -l as -d 'Show the email as this person receives it: their sections, and their details from the office\'s spreadsheet in the merge fields ({{first_name}})' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand preview" -l open -d 'Open the preview in the system\'s web browser'
complete -c bulletin -n "__fish_bulletin_using_subcommand preview" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand archive" -l dir -d 'The archive folder [default: archive/ in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand archive" -l replace -d 'Replace a different version of this issue already in the archive (after a correction)'
complete -c bulletin -n "__fish_bulletin_using_subcommand archive" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l name -d 'The office\'s short name, shown as the sender, such as "Essex LMCs"' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l from -d 'The address the bulletin is sent from, such as bulletin@example.org' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l reply-to -d 'Where replies go, if not to --from' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l colour -d 'The colour of the header and headings, # and six hex digits [default: #005EB8]' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l relay -d 'How messages leave this computer [default: nhsmail]' -r -f -a "nhsmail\t'NHSmail (send.nhs.net), with an OAuth2 token'
microsoft365\t'Microsoft 365 (smtp.office365.com), with an OAuth2 token'
other\t'Another relay: give --host (and --port)'
sendmail\t'This computer\'s own mail system (sendmail)'"
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l host -d 'The relay\'s name, for --relay other, such as smtp.example.org' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l port -d 'The relay\'s port, for --relay other [default: 587]' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l date -d 'The first issue\'s date, YYYY-MM-DD [default: today]' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -l logo -d 'The office\'s logo, a PNG, JPEG or GIF image: copied into the bulletins folder, shown at the top of each email once the archive is published (`archive_url`)' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulletin -n "__fish_bulletin_using_subcommand new" -l date -d 'The bulletin\'s date, YYYY-MM-DD [default: a week after the latest bulletin in the folder]' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand new" -l dir -d 'The folder bulletins are kept in [default: the office\'s bulletins folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand new" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand import" -l date -d 'The bulletin\'s date, YYYY-MM-DD [default: a week after the latest bulletin in the folder]' -r
complete -c bulletin -n "__fish_bulletin_using_subcommand import" -l dir -d 'The folder bulletins are kept in [default: the office\'s bulletins folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand import" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulletin -n "__fish_bulletin_using_subcommand login" -l recipients -d 'The recipients file, whose `smtp:` names the relay and the username [default: recipients.yaml in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand login" -l mailbox -d 'The password (or sign-in) of the reply mailbox that `bulletin inbox` reads (`mailbox:` in the recipients file) instead of the relay\'s'
complete -c bulletin -n "__fish_bulletin_using_subcommand login" -l no-open -d 'With `auth: oauth2`: print the sign-in address instead of opening the browser'
complete -c bulletin -n "__fish_bulletin_using_subcommand login" -l device -d 'With `auth: oauth2`: sign in on another device with a short code (for a computer without a browser), where the provider offers it'
complete -c bulletin -n "__fish_bulletin_using_subcommand login" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand logout" -l recipients -d 'The recipients file, whose `smtp:` names the relay and the username [default: recipients.yaml in the office\'s folder, found upwards from the current one]' -r -F
complete -c bulletin -n "__fish_bulletin_using_subcommand logout" -l mailbox -d 'The password (or sign-in) of the reply mailbox that `bulletin inbox` reads (`mailbox:` in the recipients file) instead of the relay\'s'
complete -c bulletin -n "__fish_bulletin_using_subcommand logout" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulletin -n "__fish_bulletin_using_subcommand man" -s h -l help -d 'Print help'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "check" -d 'Check a bulletin (and its publisher.yaml), and the recipients file, without writing anything'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "render" -d 'Render a bulletin as an HTML email, a plain-text email and a complete .eml message'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "send" -d 'Send a bulletin to a mailing list: one message per person, resumable, never twice'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "approve" -d 'Record that an approver (`approvers` in publisher.yaml) approved a bulletin as it is now'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "lists" -d 'Show the mailing lists in the recipients file, with how many people each reaches'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "report" -d 'Show who got an issue, list by list (delivered, failed and why), or the recent issues'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "dates" -d 'List the key dates still to come (the next 8 weeks) across the archive, for planning'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "inbox" -d 'Read bounces, complaints and unsubscribe requests, and suppress those addresses for send'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "unsuppress" -d 'Send the bulletin again to an address that `bulletin inbox` suppressed'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "desk" -d 'Write, check and send the bulletin in the browser: the desk, on this computer only'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "preview" -d 'Preview a bulletin in the browser, reloading it whenever the file is saved'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "archive" -d 'Add a bulletin to the archive (a static website: a page per issue, an index and a feed)'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "init" -d 'Start a new office\'s folder: publisher.yaml, recipients.yaml, the first issue and schemas'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "new" -d 'Start next week\'s bulletin from a skeleton: bulletins/<date>.yaml'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "import" -d 'Make a bulletin written in Word (.docx) into a bulletin file: bulletins/<date>.yaml'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "schema" -d 'Print the JSON Schema of a bulletin, publisher.yaml or recipients.yaml, for editors'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "login" -d 'Keep the relay\'s password (or OAuth2 token) in this computer\'s own secret store, for send; with `auth: oauth2`, sign in to NHSmail or Microsoft 365 in the browser'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "logout" -d 'Remove the password, token or sign-in that `bulletin login` stored'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "completions" -d 'Print the script that completes bulletin\'s commands with the Tab key in your shell'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "man" -d 'Write the manual pages (bulletin.1, bulletin-send.1, ...) into a folder, for `man`'
complete -c bulletin -n "__fish_bulletin_using_subcommand help; and not __fish_seen_subcommand_from check render send approve lists report dates inbox unsuppress desk preview archive init new import schema login logout completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
