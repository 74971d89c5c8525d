-- The sdls editor scenario, run headless by tests/editors/neovim/run.sh on every Neovim version:
--   nvim --headless -u NONE -i NONE -n -c 'luafile scenario.lua' </dev/null
-- It loads the repository's own Neovim config (neovim/lsp/sdls.lua with vim.lsp.enable, or
-- neovim/sdls-setup.lua), so the files users copy are the ones tested, then plays four scenarios:
--   fix-block      unknown-property on the right line → quick fix applied by the editor → cleared
--   fix-multibyte  the same with `中文😀` before the typo on the same line (position encodings)
--   hover          a hover on a key returns something
--   other-yaml     a docker-compose.yml gets no client from the config and no diagnostics
--                  from the server even when attached by force
--   drift-lens     the quickstart project shows, on its function's line, the drift lens
--                  `local ● not deployed` and the action lens `Deploy (local wins)` (no
--                  credentials: the server starts the embedded local emulator)
--   drift-deploy   vim.lsp.codelens.run() on that line, "Deploy (local wins)" picked in the
--                  editor's prompt: no question (nothing to overwrite), the server's message says
--                  it was deployed and the lens turns to `local ✓ in sync` with no action lens
--   drift-pull     a teammate changes memorySize to 1024 through the official FC Python SDK
--                  (console_change.py); the lens turns to `local ⚠ changed remotely …` with
--                  `Pull remote` and `Deploy (local wins)`; "Pull remote" picked: the editor
--                  applies the server's edit (only `  memory: 512` → `  memory: 1024`) and the
--                  lens turns to `local ✓ in sync`
-- Prints one `PASS|FAIL <label> <scenario> …` line per scenario and exits 0 only if all passed.
--
-- Environment: SDLS_BIN (the server binary), SDLS_REPO (repository root), SDLS_MODE (`lsp` or
-- `setup`), SDLS_DOC_CHANGES (`1`: advertise versioned workspace edits), SDLS_WORK (folder with
-- block/s.yaml, multibyte/s.yaml, other/docker-compose.yml, drift/ (the quickstart) and
-- expect.lua), SDLS_LABEL (printed name of this run), SDLS_RESULT (optional JSON details file),
-- SDLS_SDK_PYTHON (a python with the official FC SDK) and SDLS_CONSOLE_CHANGE (console_change.py).

local uv = vim.uv or vim.loop
local has011 = vim.fn.has('nvim-0.11') == 1
local version = vim.version()
local label = os.getenv('SDLS_LABEL')
  or string.format('nvim-%d.%d.%d', version.major, version.minor, version.patch)
local details = { nvim = label, scenarios = {} }
local failures = 0

local function out(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end

local function finish(code)
  local path = os.getenv('SDLS_RESULT')
  if path then
    local ok, json = pcall(vim.json.encode, details)
    local h = io.open(path, 'w')
    if h then
      h:write(ok and json or ('{"error":' .. vim.inspect(tostring(json)) .. '}'))
      h:close()
    end
  end
  if code == 0 then
    vim.cmd('qall!')
  else
    vim.cmd('cquit ' .. code)
  end
end

local function now_ms()
  return uv.hrtime() / 1e6
end

-- ---------------------------------------------------------------------------------------------
-- Helpers that differ between 0.7 and 0.11 (editor-clients.md §3.5)

local function clients_of(buf)
  if has011 then
    return vim.lsp.get_clients({ bufnr = buf, name = 'sdls' })
  end
  local list = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
    if c.name == 'sdls' then
      table.insert(list, c)
    end
  end
  return list
end

local function all_clients()
  if has011 then
    return vim.lsp.get_clients()
  end
  return vim.lsp.get_active_clients()
end

local function request_sync(buf, method, params, ms)
  return vim.lsp.buf_request_sync(buf, method, params, ms)
end

-- ---------------------------------------------------------------------------------------------
-- Raw publishDiagnostics, as the server sent them (wrapping the editor's own handler)

local published = {} -- { uri, version, codes = {...}, n }
do
  local method = 'textDocument/publishDiagnostics'
  local orig = vim.lsp.handlers[method]
  vim.lsp.handlers[method] = function(err, result, ctx, config)
    if result then
      local codes = {}
      for _, d in ipairs(result.diagnostics or {}) do
        table.insert(codes, tostring(d.code))
      end
      table.insert(published, { uri = result.uri, version = result.version, codes = codes, n = #codes })
    end
    return orig(err, result, ctx, config)
  end
end

-- What else the server sent, as the editor received it (each wrapping the editor's own handler):
-- window/showMessage, $/progress, workspace/applyEdit (with the editor's answer) and
-- workspace/executeCommand answers. window/showMessageRequest is answered "no choice" (closing
-- the prompt) and recorded: no scenario expects a question, and a headless prompt would block.
local shown = {} -- { type, message }
local progress = {} -- { token, kind, title, message }
local applied = {} -- { edit, answer }
local command_answers = {} -- { err, result }
local questions = {} -- showMessageRequest params
do
  local function wrap(method, record)
    local orig = vim.lsp.handlers[method]
    vim.lsp.handlers[method] = function(err, result, ctx, config)
      local answer, answer_err
      if orig then
        answer, answer_err = orig(err, result, ctx, config)
      end
      pcall(record, err, result, answer)
      return answer, answer_err
    end
  end
  wrap('window/showMessage', function(_, result)
    if result then
      table.insert(shown, { type = result.type, message = result.message })
    end
  end)
  wrap('$/progress', function(_, result)
    if result and type(result.value) == 'table' then
      table.insert(progress, { token = result.token, kind = result.value.kind, title = result.value.title,
        message = result.value.message })
    end
  end)
  wrap('workspace/applyEdit', function(_, result, answer)
    table.insert(applied, { edit = result and result.edit, label = result and result.label, answer = answer })
  end)
  wrap('workspace/executeCommand', function(err, result)
    table.insert(command_answers, { err = err, result = result })
  end)
  vim.lsp.handlers['window/showMessageRequest'] = function(_, result)
    table.insert(questions, result)
    return vim.NIL
  end
end

local function published_after(uri, mark)
  local list = {}
  for i = mark + 1, #published do
    if published[i].uri == uri then
      table.insert(list, published[i])
    end
  end
  return list
end

-- ---------------------------------------------------------------------------------------------
-- Load the shipped config

local repo = assert(os.getenv('SDLS_REPO'), 'SDLS_REPO not set')
local bin = assert(os.getenv('SDLS_BIN'), 'SDLS_BIN not set')
local mode = os.getenv('SDLS_MODE') or (has011 and 'lsp' or 'setup')
local work = assert(os.getenv('SDLS_WORK'), 'SDLS_WORK not set')
local expect = dofile(work .. '/expect.lua')
local cmd = { bin, 'serve', '--stdio' }
-- A read of a function stays fresh 5 s instead of 60 (the documented sdls.drift.refreshSeconds):
-- the teammate's console change of drift-pull shows on the lens within seconds, as it does
-- within a minute with the default.
local extra_settings = { sdls = { drift = { refreshSeconds = 5 } } }

-- SDLS_DOC_CHANGES=1: advertise workspaceEdit.documentChanges (neither version does by default),
-- so the server answers with versioned edits and Neovim checks the version before applying.
local capabilities
if os.getenv('SDLS_DOC_CHANGES') == '1' then
  capabilities = vim.tbl_deep_extend('force', vim.lsp.protocol.make_client_capabilities(),
    { workspace = { workspaceEdit = { documentChanges = true } } })
end

vim.cmd('filetype on') -- -u NONE: no filetype detection, so no FileType event, unless asked
if mode == 'lsp' then
  vim.opt.runtimepath:prepend(repo .. '/neovim')
  vim.lsp.config('sdls', { cmd = cmd, capabilities = capabilities, settings = extra_settings,
    init_options = extra_settings })
  vim.lsp.enable('sdls')
else
  local sdls_setup = dofile(repo .. '/neovim/sdls-setup.lua')
  sdls_setup.setup({ cmd = cmd, capabilities = capabilities,
    settings = vim.tbl_deep_extend('force', sdls_setup.default_settings, extra_settings) })
end

-- ---------------------------------------------------------------------------------------------
-- Scenarios

local function open(file)
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  return vim.api.nvim_get_current_buf()
end

local function line_of(buf, lnum)
  return vim.api.nvim_buf_get_lines(buf, lnum, lnum + 1, false)[1]
end

local function diags(buf, code)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if code == nil or d.code == code then
      table.insert(list, d)
    end
  end
  return list
end

local function show(list)
  local parts = {}
  for _, d in ipairs(list) do
    table.insert(parts, string.format('%s@%d:%d-%d:%d sev=%s %q', tostring(d.code), d.lnum, d.col,
      d.end_lnum or -1, d.end_col or -1, tostring(d.severity), d.message or ''))
  end
  return '[' .. table.concat(parts, '; ') .. ']'
end

local function wait_client(buf, ms)
  vim.wait(ms, function()
    return #clients_of(buf) > 0
  end, 20)
  return clients_of(buf)[1]
end

-- One quick-fix scenario: open, wait for the diagnostic, apply the fix through the editor's
-- code-action UI (vim.lsp.buf.code_action + vim.ui.select, as a user's keymap does), check the
-- exact line, wait for a new publishDiagnostics without the diagnostic.
local function fix_scenario(info, s)
  local buf = open(work .. '/' .. s.file)
  local client = wait_client(buf, 5000)
  if not client then
    error('no sdls client attached to ' .. s.file)
  end
  info.encoding = client.offset_encoding
  local uri = vim.uri_from_bufnr(buf)
  if line_of(buf, s.lnum) ~= s.before then
    error('fixture line ' .. s.lnum .. ' is not the typo line: ' .. tostring(line_of(buf, s.lnum)))
  end
  if not vim.wait(10000, function()
    return #diags(buf, 'unknown-property') > 0
  end, 20) then
    error('no unknown-property diagnostic within 10 s; diagnostics: ' .. show(diags(buf))
      .. '; publishDiagnostics received: ' .. vim.inspect(published_after(uri, 0)))
  end
  local function codes_of(list)
    local codes = {}
    for _, x in ipairs(list) do
      table.insert(codes, tostring(x.code))
    end
    table.sort(codes)
    return table.concat(codes, ',')
  end
  -- every expected diagnostic arrives in the same publish; wait for the whole set
  vim.wait(2000, function()
    return codes_of(diags(buf)) == s.codes
  end, 20)
  local all = diags(buf)
  info.diagnostics = show(all)
  local found = diags(buf, 'unknown-property')
  if #found ~= 1 or codes_of(all) ~= s.codes then
    error('expected diagnostics ' .. s.codes .. ', got ' .. show(all))
  end
  local d = found[1]
  -- vim.diagnostic columns are bytes whatever the negotiated encoding
  if d.lnum ~= s.lnum or d.col ~= s.col or d.end_lnum ~= s.lnum or d.end_col ~= s.end_col then
    error(string.format('unknown-property at %d:%d-%d:%d (bytes), expected %d:%d-%d:%d; %s',
      d.lnum, d.col, d.end_lnum, d.end_col, s.lnum, s.col, s.lnum, s.end_col, show(all)))
  end
  if d.severity ~= vim.diagnostic.severity.WARN then
    error('unknown-property severity ' .. tostring(d.severity) .. ', expected WARN (2)')
  end
  if not (d.message or ''):find(s.suggest, 1, true) then
    error('message does not suggest ' .. s.suggest .. ': ' .. tostring(d.message))
  end

  -- A user edit first (a comment line at the end), so the document version is no longer 0 and
  -- Neovim's check of a versioned edit (skipped for version 0) is live; wait for the server's
  -- diagnostics of that version.
  local mark0 = #published
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { '# edited in Neovim' })
  local function republished()
    local v = vim.lsp.util.buf_versions[buf]
    if not v or v == 0 then
      return false
    end
    for _, p in ipairs(published_after(uri, mark0)) do
      if p.version == nil or p.version == v then
        return vim.tbl_contains(p.codes, 'unknown-property')
      end
    end
    return false
  end
  if not vim.wait(5000, republished, 20) then
    error('no publishDiagnostics (still with unknown-property) for the edited document, version '
      .. tostring(vim.lsp.util.buf_versions[buf]) .. '; received: ' .. vim.inspect(published_after(uri, mark0)))
  end
  local version_before = vim.lsp.util.buf_versions[buf]
  info.version_before = version_before

  -- Code action through the editor: answer the editor's own selection prompt.
  local chosen, offered = nil, {}
  local orig_select = vim.ui.select
  vim.ui.select = function(items, _, on_choice)
    local pick
    for i, item in ipairs(items) do
      local action = item.action or item[2] -- 0.11: {action, ctx}; 0.7: {client_id, action}
      table.insert(offered, action.title)
      if action.title == s.title and pick == nil then
        pick = i
        chosen = action
      end
    end
    on_choice(pick and items[pick] or nil, pick)
  end
  local mark = #published
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  vim.lsp.buf.code_action()
  local answered = vim.wait(5000, function()
    return #offered > 0
  end, 20)
  vim.ui.select = orig_select
  info.offered = offered
  if not answered then
    error('no code actions offered within 5 s (cursor ' .. (d.lnum + 1) .. ':' .. d.col .. ')')
  end
  if not chosen then
    error('no code action titled ' .. s.title .. '; offered: ' .. vim.inspect(offered))
  end
  info.action = { kind = chosen.kind, isPreferred = chosen.isPreferred }
  local edit = chosen.edit or {}
  local caps = client.capabilities or client.config.capabilities or vim.lsp.protocol.make_client_capabilities()
  local wants_dc = ((caps.workspace or {}).workspaceEdit or {}).documentChanges == true
  info.document_changes_advertised = wants_dc
  if wants_dc then
    local dc = edit.documentChanges and edit.documentChanges[1]
    if not (dc and dc.textDocument and type(dc.textDocument.version) == 'number') then
      error('client advertises documentChanges but the edit has no versioned documentChanges: '
        .. vim.inspect(edit))
    end
    info.edit_version = dc.textDocument.version
    if dc.textDocument.version ~= version_before then
      error('the edit is for version ' .. dc.textDocument.version .. ' but the editor sent version '
        .. tostring(version_before))
    end
  elseif not edit.changes then
    error('edit has no `changes` for a client without documentChanges: ' .. vim.inspect(edit))
  end
  if chosen.kind ~= 'quickfix' then
    error('action kind ' .. tostring(chosen.kind) .. ', expected quickfix')
  end

  if not vim.wait(5000, function()
    return line_of(buf, s.lnum) == s.after
  end, 20) then
    error(string.format('fix not applied as expected: line %d is %q, expected %q; edit %s', s.lnum + 1,
      tostring(line_of(buf, s.lnum)), s.after, vim.inspect(edit)))
  end
  info.line_after = line_of(buf, s.lnum)
  if vim.api.nvim_buf_line_count(buf) ~= s.line_count + 1 then
    error('line count changed: ' .. vim.api.nvim_buf_line_count(buf) .. ' vs ' .. (s.line_count + 1))
  end

  local function cleared()
    for _, p in ipairs(published_after(uri, mark)) do
      if not vim.tbl_contains(p.codes, 'unknown-property') then
        return true
      end
    end
    return false
  end
  if not vim.wait(10000, function()
    return cleared() and #diags(buf) == 0
  end, 20) then
    error('diagnostics not cleared within 10 s after the fix; now ' .. show(diags(buf))
      .. '; publishDiagnostics since the fix: ' .. vim.inspect(published_after(uri, mark)))
  end
  info.after_fix = show(diags(buf))
  return buf, client
end

-- ---------------------------------------------------------------------------------------------
-- The drift lenses as the editor keeps them (vim.lsp.codelens.get), shared by the drift scenarios

local drift = { buf = nil, deployed = false }

-- Every lens of the buffer; `with_resolved` keeps the file's "Show resolved" lens (on
-- `edition:`), which the drift scenarios leave out.
local function lenses_of(buf, with_resolved)
  local list = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf) or {}) do
    local c = lens.command or {}
    if with_resolved or c.command ~= 'sdls.showResolved' then
      table.insert(list, { lnum = lens.range.start.line, title = c.title, command = c.command,
        arguments = c.arguments })
    end
  end
  return list
end

local function line_titles(buf, lnum)
  local titles = {}
  for _, l in ipairs(lenses_of(buf)) do
    if l.lnum == lnum then
      table.insert(titles, tostring(l.title))
    end
  end
  return titles
end

local function lens_summary(buf)
  local parts = {}
  for _, l in ipairs(lenses_of(buf)) do
    table.insert(parts, string.format('%d:%q [%s]', l.lnum, tostring(l.title), tostring(l.command)))
  end
  return '[' .. table.concat(parts, ', ') .. ']'
end

-- Plays the user's InsertLeave (the configs refresh lenses on it) until done() or ms pass.
local function play_until(buf, ms, done)
  if done() then
    return true
  end
  return vim.wait(ms, function()
    vim.api.nvim_exec_autocmds('InsertLeave', { buffer = buf })
    vim.wait(300, function() return false end, 50)
    return done()
  end, 100)
end

local function since(list, mark)
  local out_list = {}
  for i = mark + 1, #list do
    table.insert(out_list, list[i])
  end
  return out_list
end

local function progress_lines(mark)
  local lines = {}
  for _, p in ipairs(since(progress, mark)) do
    table.insert(lines, string.format('%s %s %s', tostring(p.kind), tostring(p.title or ''), tostring(p.message or '')))
  end
  return lines
end

-- The user runs the lens of line lnum as a keymap does (cursor on the line,
-- vim.lsp.codelens.run()); the editor's prompt (vim.ui.select, several lenses on the line) is
-- answered with the item titled `pick`. Returns whether it asked and the offered titles.
local function run_lens(buf, lnum, pick)
  local asked, offered = false, {}
  local orig = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    asked = true
    local index
    for i, item in ipairs(items) do
      local title
      if opts and opts.format_item then
        title = opts.format_item(item)
      elseif item.lens and item.lens.command then
        title = item.lens.command.title
      end
      table.insert(offered, tostring(title))
      if title == pick and index == nil then
        index = i
      end
    end
    on_choice(index and items[index] or nil, index)
  end
  vim.api.nvim_set_current_buf(buf)
  vim.api.nvim_win_set_cursor(0, { lnum + 1, 0 })
  local ok, err = pcall(vim.lsp.codelens.run)
  vim.ui.select = orig
  if not ok then
    error('vim.lsp.codelens.run() failed: ' .. tostring(err))
  end
  return asked, offered
end

local block_buf

local scenarios = {
  {
    name = 'fix-block',
    run = function(info)
      block_buf = fix_scenario(info, expect.block)
    end,
  },
  {
    name = 'fix-multibyte',
    run = function(info)
      fix_scenario(info, expect.multibyte)
    end,
  },
  {
    name = 'hover',
    run = function(info)
      local h = expect.hover
      local buf = block_buf or open(work .. '/' .. h.file)
      vim.api.nvim_set_current_buf(buf)
      local client = wait_client(buf, 5000)
      if not client then
        error('no sdls client attached')
      end
      if line_of(buf, h.lnum) ~= h.line then
        error('hover line ' .. h.lnum .. ' is ' .. tostring(line_of(buf, h.lnum)))
      end
      vim.api.nvim_win_set_cursor(0, { h.lnum + 1, h.col })
      local params = has011 and vim.lsp.util.make_position_params(0, client.offset_encoding)
        or vim.lsp.util.make_position_params()
      local results = request_sync(buf, 'textDocument/hover', params, 5000) or {}
      local text = ''
      for _, r in pairs(results) do
        if r.err then
          error('hover error: ' .. vim.inspect(r.err))
        end
        local c = r.result and r.result.contents
        if type(c) == 'string' then
          text = text .. c
        elseif type(c) == 'table' then
          if c.value then
            text = text .. c.value
          else
            for _, m in ipairs(c) do
              text = text .. (type(m) == 'string' and m or (m.value or ''))
            end
          end
        end
      end
      info.hover = text:sub(1, 200)
      if vim.trim(text) == '' then
        error('empty hover on `' .. h.line .. '`: ' .. vim.inspect(results))
      end
      if h.contains and not text:find(h.contains, 1, true) then
        error('hover does not mention ' .. h.contains .. ': ' .. text:sub(1, 300))
      end
    end,
  },
  {
    name = 'other-yaml',
    run = function(info)
      local o = expect.other
      local buf = open(work .. '/' .. o.file)
      info.detected_filetype = vim.bo[buf].filetype
      vim.bo[buf].filetype = 'yaml' -- 0.11 says yaml.docker-compose; make the config decide, not the filetype
      vim.wait(300, function()
        return #clients_of(buf) > 0
      end, 20)
      if #clients_of(buf) > 0 then
        error('the config attached sdls to ' .. o.file)
      end
      -- Server side: attach the running client by force; the server must stay quiet.
      local client = all_clients()[1]
      if not client then
        error('no sdls client running to attach')
      end
      local uri = vim.uri_from_bufnr(buf)
      local mark = #published
      vim.lsp.buf_attach_client(buf, client.id)
      if not vim.wait(5000, function()
        return #clients_of(buf) > 0
      end, 20) then
        error('could not attach the client by force')
      end
      -- Sync point: a request answered after the didOpen, then a quiet second.
      local params = has011 and vim.lsp.util.make_position_params(0, client.offset_encoding)
        or vim.lsp.util.make_position_params()
      request_sync(buf, 'textDocument/hover', params, 5000)
      vim.wait(1000, function()
        return #diags(buf) > 0
      end, 20)
      local sent = published_after(uri, mark)
      info.published = sent
      for _, p in ipairs(sent) do
        if p.n > 0 then
          error('the server published diagnostics for ' .. o.file .. ': ' .. vim.inspect(p))
        end
      end
      if #diags(buf) > 0 then
        error('diagnostics shown for ' .. o.file .. ': ' .. show(diags(buf)))
      end
    end,
  },
  {
    name = 'drift-lens',
    run = function(info)
      local d = expect.drift
      local buf = open(work .. '/' .. d.file)
      local client = wait_client(buf, 5000)
      if not client then
        error('no sdls client attached to ' .. d.file)
      end
      drift.buf = buf
      -- The lens as the editor keeps it. The shipped configs show lenses on attach and refresh
      -- them on BufEnter/InsertLeave (and 0.11 on the server's workspace/codeLens/refresh): play
      -- the user's InsertLeave until the remote has been read (`… reading remote` before that).
      local found = play_until(buf, 30000, function()
        return vim.tbl_contains(line_titles(buf, d.lnum), d.title)
      end)
      info.lenses = lens_summary(buf)
      if not found then
        error('no lens titled ' .. d.title .. ' on line ' .. d.lnum .. ' within 30 s; lenses: '
          .. info.lenses)
      end
      -- Exactly the status lens (shows the diff) and the Deploy action, in that order.
      local all = lenses_of(buf)
      if #all ~= 2 or all[1].lnum ~= d.lnum or all[2].lnum ~= d.lnum
        or all[1].title ~= d.title or all[1].command ~= 'sdls.showDrift'
        or all[2].title ~= d.deploy or all[2].command ~= 'sdls.deploy' then
        error('expected the lenses ' .. d.title .. ' [sdls.showDrift], ' .. d.deploy
          .. ' [sdls.deploy] on line ' .. d.lnum .. '; got ' .. info.lenses)
      end
      -- And "Show resolved" on the `edition:` line.
      local resolved = vim.tbl_filter(function(l)
        return l.command == 'sdls.showResolved'
      end, lenses_of(buf, true))
      if #resolved ~= 1 or resolved[1].title ~= 'Show resolved' or resolved[1].lnum ~= d.edition_lnum then
        error('expected one "Show resolved" lens on line ' .. d.edition_lnum .. '; got '
          .. vim.inspect(resolved))
      end
      local args = all[2].arguments or {}
      info.deploy_arguments = args
      if args[2] ~= 'hello' or type(args[3]) ~= 'table' or args[3].mode ~= d.deploy_mode then
        error('the deploy lens has arguments ' .. vim.inspect(args)
          .. ', expected [uri, "hello", {mode = "' .. d.deploy_mode .. '", …}]')
      end
    end,
  },
  {
    name = 'drift-deploy',
    run = function(info)
      local d = expect.drift
      local buf = drift.buf
      if not buf then
        error('drift-lens did not open ' .. d.file)
      end
      vim.api.nvim_set_current_buf(buf)
      local start = { d.title, d.deploy }
      if not play_until(buf, 10000, function()
        return vim.deep_equal(line_titles(buf, d.lnum), start)
      end) then
        error('the lenses are not ' .. vim.inspect(start) .. ' before deploying: ' .. lens_summary(buf))
      end
      local m_shown, m_progress, m_answers, m_questions = #shown, #progress, #command_answers, #questions
      -- The user: cursor on the lens line, vim.lsp.codelens.run(), "Deploy" in the prompt.
      local asked, offered = run_lens(buf, d.lnum, d.deploy)
      info.offered = offered
      if not asked then
        error('vim.lsp.codelens.run() asked nothing (two lenses on the line should make it ask); lenses: '
          .. lens_summary(buf))
      end
      if not vim.deep_equal(offered, start) then
        error('the prompt offered ' .. vim.inspect(offered) .. ', expected ' .. vim.inspect(start))
      end
      local function settled()
        return #lenses_of(buf) == 1 and line_titles(buf, d.lnum)[1] == d.in_sync
      end
      local done = play_until(buf, 60000, function()
        return #shown > m_shown and settled()
      end)
      info.messages = since(shown, m_shown)
      info.progress = progress_lines(m_progress)
      info.command_answers = since(command_answers, m_answers)
      info.questions = since(questions, m_questions)
      info.lenses = lens_summary(buf)
      local context = '; $/progress: ' .. vim.inspect(info.progress) .. '; executeCommand answers: '
        .. vim.inspect(info.command_answers) .. '; showMessageRequest: ' .. vim.inspect(info.questions)
        .. '; lenses: ' .. info.lenses
      if #shown == m_shown then
        error('no window/showMessage within 60 s of running Deploy' .. context)
      end
      local msg = shown[m_shown + 1]
      local text = tostring(msg.message)
      local said = text:gsub('^sdls: ', '')
      info.message = text
      info.message_exact = said == d.deployed
      if said ~= d.deployed and said:sub(1, #d.deployed_prefix) ~= d.deployed_prefix then
        error('the server said ' .. vim.inspect(text) .. ' (type ' .. tostring(msg.type) .. '), expected '
          .. vim.inspect(d.deployed) .. context)
      end
      if msg.type ~= 3 then
        error('the deploy message has type ' .. tostring(msg.type) .. ', expected 3 (Info): ' .. text)
      end
      if not done then
        error('the lenses did not turn to ' .. d.in_sync .. ' alone within 60 s' .. context)
      end
      if #info.questions > 0 then
        error('the server asked before deploying a function that is not deployed (nothing to overwrite)'
          .. context)
      end
      drift.deployed = true
    end,
  },
  {
    name = 'drift-pull',
    run = function(info)
      local d = expect.drift
      local buf = drift.buf
      if not (buf and drift.deployed) then
        error('not run: drift-deploy did not deploy the function')
      end
      vim.api.nvim_set_current_buf(buf)
      local before = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      if before[d.memory_lnum + 1] ~= d.memory_before then
        error('line ' .. d.memory_lnum .. ' is ' .. vim.inspect(before[d.memory_lnum + 1]) .. ', expected '
          .. vim.inspect(d.memory_before))
      end
      -- The user has touched the buffer (the same text again): its version is no longer 0, so
      -- Neovim's version check of a versioned edit (skipped for version 0) is live.
      vim.api.nvim_buf_set_lines(buf, d.memory_lnum, d.memory_lnum + 1, false, { d.memory_before })

      -- A teammate changes memorySize in the console (the official SDK, UpdateFunction).
      local python, script = os.getenv('SDLS_SDK_PYTHON'), os.getenv('SDLS_CONSOLE_CHANGE')
      if not (python and script) then
        error('SDLS_SDK_PYTHON / SDLS_CONSOLE_CHANGE not set')
      end
      local output = vim.fn.system({ python, script, work .. '/' .. d.dir, d.function_name,
        tostring(d.console_memory) })
      local code = vim.v.shell_error
      info.console_change = vim.trim(output)
      if code ~= 0 then
        error('console_change.py exited with ' .. code .. ': ' .. vim.trim(output))
      end

      -- The lens shows it (reads stay fresh 5 s here) with the two ways out, for this version.
      local drifted = { d.drifted, d.pull, d.local_wins }
      local function pull_lens()
        for _, l in ipairs(lenses_of(buf)) do
          if l.title == d.pull then
            return l
          end
        end
      end
      local seen = play_until(buf, 30000, function()
        if not vim.deep_equal(line_titles(buf, d.lnum), drifted) then
          return false
        end
        local args = pull_lens().arguments or {}
        return args[3] == vim.lsp.util.buf_versions[buf]
      end)
      info.lenses_drifted = lens_summary(buf)
      info.buffer_version = vim.lsp.util.buf_versions[buf]
      if not seen then
        error('the lenses did not turn to ' .. vim.inspect(drifted) .. ' (the Pull lens for version '
          .. tostring(vim.lsp.util.buf_versions[buf]) .. ') within 30 s; lenses: ' .. info.lenses_drifted)
      end
      local all = lenses_of(buf)
      if all[1].command ~= 'sdls.showDrift' or all[2].command ~= 'sdls.pull' or all[3].command ~= 'sdls.deploy'
        or type(all[3].arguments[3]) ~= 'table' or all[3].arguments[3].mode ~= 'localWins' then
        error('the drifted lenses run the wrong commands: ' .. info.lenses_drifted)
      end
      local version = vim.lsp.util.buf_versions[buf]

      -- "Pull remote" through the prompt.
      local m_applied, m_answers, m_shown, m_questions = #applied, #command_answers, #shown, #questions
      local asked, offered = run_lens(buf, d.lnum, d.pull)
      info.offered = offered
      if not asked then
        error('vim.lsp.codelens.run() asked nothing; lenses: ' .. lens_summary(buf))
      end
      if not vim.deep_equal(offered, drifted) then
        error('the prompt offered ' .. vim.inspect(offered) .. ', expected ' .. vim.inspect(drifted))
      end
      local want = vim.deepcopy(before)
      want[d.memory_lnum + 1] = d.memory_after
      local function buffer()
        return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      end
      local edited = vim.wait(10000, function()
        return vim.deep_equal(buffer(), want)
      end, 20)
      info.apply_edits = since(applied, m_applied)
      info.command_answers = since(command_answers, m_answers)
      info.messages = since(shown, m_shown)
      info.questions = since(questions, m_questions)
      local context = '; workspace/applyEdit: ' .. vim.inspect(info.apply_edits) .. '; executeCommand answers: '
        .. vim.inspect(info.command_answers) .. '; showMessage: ' .. vim.inspect(info.messages)
      if not edited then
        local now, diff = buffer(), {}
        for i = 1, math.max(#now, #want) do
          if now[i] ~= want[i] then
            table.insert(diff, string.format('line %d: %q, expected %q', i - 1, tostring(now[i]), tostring(want[i])))
          end
        end
        error('the buffer is not the pulled text within 10 s: ' .. table.concat(diff, '; ') .. context)
      end
      -- The edit as the server sent it and the editor's answer.
      local first = info.apply_edits[1]
      if not first then
        error('the buffer changed but no workspace/applyEdit was recorded' .. context)
      end
      if type(first.answer) ~= 'table' or first.answer.applied ~= true then
        error('the editor answered the edit with ' .. vim.inspect(first.answer) .. context)
      end
      local edit = first.edit or {}
      if os.getenv('SDLS_DOC_CHANGES') == '1' then
        local dc = edit.documentChanges and edit.documentChanges[1]
        if not (dc and dc.textDocument and dc.textDocument.version == version) then
          error('client advertises documentChanges: expected a TextDocumentEdit for version ' .. version
            .. context)
        end
        info.edit_version = dc.textDocument.version
      elseif not edit.changes then
        error('the edit has no `changes` for a client without documentChanges' .. context)
      end
      local answer = info.command_answers[#info.command_answers]
      if answer and answer.err then
        error('sdls.pull answered an error' .. context)
      end

      -- In sync: the file now says what the remote says.
      local synced = play_until(buf, 30000, function()
        return #lenses_of(buf) == 1 and line_titles(buf, d.lnum)[1] == d.in_sync
      end)
      info.lenses = lens_summary(buf)
      if not synced then
        error('the lenses did not turn to ' .. d.in_sync .. ' alone within 30 s after the pull; lenses: '
          .. info.lenses .. context)
      end
    end,
  },
}

local ok, err = xpcall(function()
  for _, s in ipairs(scenarios) do
    local info = { name = s.name }
    local t0 = now_ms()
    local passed, why = xpcall(s.run, debug.traceback, info)
    info.ms = math.floor(now_ms() - t0)
    info.passed = passed
    if not passed then
      info.error = tostring(why)
      failures = failures + 1
      out(string.format('FAIL %s %s (%d ms): %s', label, s.name, info.ms,
        (tostring(why):gsub('\nstack traceback:.*', ''):gsub('\n', ' '))))
    else
      out(string.format('PASS %s %s (%d ms)', label, s.name, info.ms))
    end
    table.insert(details.scenarios, info)
  end
  -- Stop the servers and wait for them to exit: no orphans.
  for _, c in ipairs(all_clients()) do
    if has011 then
      c:stop()
    else
      c.stop()
    end
  end
  vim.wait(3000, function()
    return #all_clients() == 0
  end, 20)
end, debug.traceback)
if not ok then
  out('FAIL ' .. label .. ' harness: ' .. tostring(err):gsub('\n', ' '))
  finish(3)
else
  finish(failures == 0 and 0 or 1)
end
