
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'bulletin' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'bulletin'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'bulletin' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a bulletin (and its publisher.yaml), and the recipients file, without writing anything')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Render a bulletin as an HTML email, a plain-text email and a complete .eml message')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a bulletin to a mailing list: one message per person, resumable, never twice')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Record that an approver (`approvers` in publisher.yaml) approved a bulletin as it is now')
            [CompletionResult]::new('lists', 'lists', [CompletionResultType]::ParameterValue, 'Show the mailing lists in the recipients file, with how many people each reaches')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Show who got an issue, list by list (delivered, failed and why), or the recent issues')
            [CompletionResult]::new('dates', 'dates', [CompletionResultType]::ParameterValue, 'List the key dates still to come (the next 8 weeks) across the archive, for planning')
            [CompletionResult]::new('inbox', 'inbox', [CompletionResultType]::ParameterValue, 'Read bounces, complaints and unsubscribe requests, and suppress those addresses for send')
            [CompletionResult]::new('unsuppress', 'unsuppress', [CompletionResultType]::ParameterValue, 'Send the bulletin again to an address that `bulletin inbox` suppressed')
            [CompletionResult]::new('desk', 'desk', [CompletionResultType]::ParameterValue, 'Write, check and send the bulletin in the browser: the desk, on this computer only')
            [CompletionResult]::new('preview', 'preview', [CompletionResultType]::ParameterValue, 'Preview a bulletin in the browser, reloading it whenever the file is saved')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Add a bulletin to the archive (a static website: a page per issue, an index and a feed)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Start a new office''s folder: publisher.yaml, recipients.yaml, the first issue and schemas')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Start next week''s bulletin from a skeleton: bulletins/<date>.yaml')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Make a bulletin written in Word (.docx) into a bulletin file: bulletins/<date>.yaml')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of a bulletin, publisher.yaml or recipients.yaml, for editors')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Keep the relay''s password (or OAuth2 token) in this computer''s own secret store, for send; with `auth: oauth2`, sign in to NHSmail or Microsoft 365 in the browser')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the password, token or sign-in that `bulletin login` stored')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the script that completes bulletin''s commands with the Tab key in your shell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the manual pages (bulletin.1, bulletin-send.1, ...) into a folder, for `man`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bulletin;check' {
            [CompletionResult]::new('--recipients', '--recipients', [CompletionResultType]::ParameterName, 'Also check this recipients file (the office''s recipients.yaml, found upwards from the current folder, is checked whenever there is one)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to show the problems: `human` (on stderr) or `json` (one document on stdout, for editors and scripts)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat warnings as errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;render' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The folder to write <name>.html, <name>.txt and <name>.eml into (the name is the date, or date-issue)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Who the sample .eml is addressed to')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat warnings as errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;send' {
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'The mailing list (see `bulletin lists`)')
            [CompletionResult]::new('--test', '--test', [CompletionResultType]::ParameterName, 'Send a test copy ("[TEST]" before the subject) to these addresses and lists only, e.g. `--test reviewers` or `--test ceo@example.org,reviewers`; nothing is recorded, so they still get the real issue later')
            [CompletionResult]::new('--recipients', '--recipients', [CompletionResultType]::ParameterName, 'The recipients file [default: recipients.yaml in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'The journal of this bulletin''s sends [default: beside the bulletin, named after its file: bulletins/2021-10-20.journal]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show who would get it and who is skipped, without connecting to anything')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Send without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Send without asking for confirmation')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'Try again the recipients whose delivery failed in an earlier run')
            [CompletionResult]::new('--correction', '--correction', [CompletionResultType]::ParameterName, 'The bulletin changed after it was sent: send this version to everyone on the list again, as a correction ("Correction: " before the subject), with its own journal')
            [CompletionResult]::new('--continue-changed', '--continue-changed', [CompletionResultType]::ParameterName, 'The bulletin changed after it was sent: send this version only to those who have not had it yet (the journal records the change)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;approve' {
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who approves it: one of `approvers` in publisher.yaml, e.g. --as "Dr Jane Smith"')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;lists' {
            [CompletionResult]::new('--recipients', '--recipients', [CompletionResultType]::ParameterName, 'The recipients file [default: recipients.yaml in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;report' {
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Also write one row per person to this CSV file, for Excel (UTF-8, ISO dates)')
            [CompletionResult]::new('--recipients', '--recipients', [CompletionResultType]::ParameterName, 'The recipients file [default: recipients.yaml in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Count by list, or by practice (from the Practice column of the office''s spreadsheet, `people:`): reached or not, and why not')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulletin;dates' {
            [CompletionResult]::new('--weeks', '--weeks', [CompletionResultType]::ParameterName, 'How many weeks ahead to look, from today')
            [CompletionResult]::new('--archive', '--archive', [CompletionResultType]::ParameterName, 'The archive folder [default: archive/ in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;inbox' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Read the `.eml` files in this folder (mail saved from any mail program) instead of the mailbox in the recipients file')
            [CompletionResult]::new('--recipients', '--recipients', [CompletionResultType]::ParameterName, 'The recipients file [default: recipients.yaml in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('--confirm', '--confirm', [CompletionResultType]::ParameterName, 'Suppress this address on a request or report that `inbox` listed for you to confirm (it showed no proof that it came from a bulletin sent to them); read nothing else')
            [CompletionResult]::new('--dismiss', '--dismiss', [CompletionResultType]::ParameterName, 'Drop a request or report that `inbox` listed for you to confirm, without suppressing the address (it was not genuine); read nothing else')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, without changing the suppressions file or marking any message')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;unsuppress' {
            [CompletionResult]::new('--recipients', '--recipients', [CompletionResultType]::ParameterName, 'The recipients file, beside which suppressions.yaml is [default: recipients.yaml in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;desk' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port to listen on [default: 8700, or any free port if it is taken]')
            [CompletionResult]::new('--no-open', '--no-open', [CompletionResultType]::ParameterName, 'Do not open the browser (the address is printed either way)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;preview' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port to listen on (0 picks a free one)')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Listen on this address instead of 127.0.0.1 (others on the network could then see it)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Show the email as this person receives it: their sections, and their details from the office''s spreadsheet in the merge fields ({{first_name}})')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Open the preview in the system''s web browser')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;archive' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The archive folder [default: archive/ in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Replace a different version of this issue already in the archive (after a correction)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;init' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The office''s short name, shown as the sender, such as "Essex LMCs"')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The address the bulletin is sent from, such as bulletin@example.org')
            [CompletionResult]::new('--reply-to', '--reply-to', [CompletionResultType]::ParameterName, 'Where replies go, if not to --from')
            [CompletionResult]::new('--colour', '--colour', [CompletionResultType]::ParameterName, 'The colour of the header and headings, # and six hex digits [default: #005EB8]')
            [CompletionResult]::new('--relay', '--relay', [CompletionResultType]::ParameterName, 'How messages leave this computer [default: nhsmail]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The relay''s name, for --relay other, such as smtp.example.org')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The relay''s port, for --relay other [default: 587]')
            [CompletionResult]::new('--date', '--date', [CompletionResultType]::ParameterName, 'The first issue''s date, YYYY-MM-DD [default: today]')
            [CompletionResult]::new('--logo', '--logo', [CompletionResultType]::ParameterName, 'The office''s logo, a PNG, JPEG or GIF image: copied into the bulletins folder, shown at the top of each email once the archive is published (`archive_url`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulletin;new' {
            [CompletionResult]::new('--date', '--date', [CompletionResultType]::ParameterName, 'The bulletin''s date, YYYY-MM-DD [default: a week after the latest bulletin in the folder]')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The folder bulletins are kept in [default: the office''s bulletins folder, found upwards from the current one]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;import' {
            [CompletionResult]::new('--date', '--date', [CompletionResultType]::ParameterName, 'The bulletin''s date, YYYY-MM-DD [default: a week after the latest bulletin in the folder]')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The folder bulletins are kept in [default: the office''s bulletins folder, found upwards from the current one]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;schema' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulletin;login' {
            [CompletionResult]::new('--recipients', '--recipients', [CompletionResultType]::ParameterName, 'The recipients file, whose `smtp:` names the relay and the username [default: recipients.yaml in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('--mailbox', '--mailbox', [CompletionResultType]::ParameterName, 'The password (or sign-in) of the reply mailbox that `bulletin inbox` reads (`mailbox:` in the recipients file) instead of the relay''s')
            [CompletionResult]::new('--no-open', '--no-open', [CompletionResultType]::ParameterName, 'With `auth: oauth2`: print the sign-in address instead of opening the browser')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'With `auth: oauth2`: sign in on another device with a short code (for a computer without a browser), where the provider offers it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;logout' {
            [CompletionResult]::new('--recipients', '--recipients', [CompletionResultType]::ParameterName, 'The recipients file, whose `smtp:` names the relay and the username [default: recipients.yaml in the office''s folder, found upwards from the current one]')
            [CompletionResult]::new('--mailbox', '--mailbox', [CompletionResultType]::ParameterName, 'The password (or sign-in) of the reply mailbox that `bulletin inbox` reads (`mailbox:` in the recipients file) instead of the relay''s')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulletin;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulletin;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a bulletin (and its publisher.yaml), and the recipients file, without writing anything')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Render a bulletin as an HTML email, a plain-text email and a complete .eml message')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a bulletin to a mailing list: one message per person, resumable, never twice')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Record that an approver (`approvers` in publisher.yaml) approved a bulletin as it is now')
            [CompletionResult]::new('lists', 'lists', [CompletionResultType]::ParameterValue, 'Show the mailing lists in the recipients file, with how many people each reaches')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Show who got an issue, list by list (delivered, failed and why), or the recent issues')
            [CompletionResult]::new('dates', 'dates', [CompletionResultType]::ParameterValue, 'List the key dates still to come (the next 8 weeks) across the archive, for planning')
            [CompletionResult]::new('inbox', 'inbox', [CompletionResultType]::ParameterValue, 'Read bounces, complaints and unsubscribe requests, and suppress those addresses for send')
            [CompletionResult]::new('unsuppress', 'unsuppress', [CompletionResultType]::ParameterValue, 'Send the bulletin again to an address that `bulletin inbox` suppressed')
            [CompletionResult]::new('desk', 'desk', [CompletionResultType]::ParameterValue, 'Write, check and send the bulletin in the browser: the desk, on this computer only')
            [CompletionResult]::new('preview', 'preview', [CompletionResultType]::ParameterValue, 'Preview a bulletin in the browser, reloading it whenever the file is saved')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Add a bulletin to the archive (a static website: a page per issue, an index and a feed)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Start a new office''s folder: publisher.yaml, recipients.yaml, the first issue and schemas')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Start next week''s bulletin from a skeleton: bulletins/<date>.yaml')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Make a bulletin written in Word (.docx) into a bulletin file: bulletins/<date>.yaml')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of a bulletin, publisher.yaml or recipients.yaml, for editors')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Keep the relay''s password (or OAuth2 token) in this computer''s own secret store, for send; with `auth: oauth2`, sign in to NHSmail or Microsoft 365 in the browser')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove the password, token or sign-in that `bulletin login` stored')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the script that completes bulletin''s commands with the Tab key in your shell')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the manual pages (bulletin.1, bulletin-send.1, ...) into a folder, for `man`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bulletin;help;check' {
            break
        }
        'bulletin;help;render' {
            break
        }
        'bulletin;help;send' {
            break
        }
        'bulletin;help;approve' {
            break
        }
        'bulletin;help;lists' {
            break
        }
        'bulletin;help;report' {
            break
        }
        'bulletin;help;dates' {
            break
        }
        'bulletin;help;inbox' {
            break
        }
        'bulletin;help;unsuppress' {
            break
        }
        'bulletin;help;desk' {
            break
        }
        'bulletin;help;preview' {
            break
        }
        'bulletin;help;archive' {
            break
        }
        'bulletin;help;init' {
            break
        }
        'bulletin;help;new' {
            break
        }
        'bulletin;help;import' {
            break
        }
        'bulletin;help;schema' {
            break
        }
        'bulletin;help;login' {
            break
        }
        'bulletin;help;logout' {
            break
        }
        'bulletin;help;completions' {
            break
        }
        'bulletin;help;man' {
            break
        }
        'bulletin;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
