-- The sdls editor scenario, run headless by tests/editors/neovim/run.sh on every Neovim version:
--   nvim --headless -u NONE -i NONE -n -c 'luafile scenario.lua' </dev/null
-- It loads the repository's own Neovim config (neovim/lsp/sdls.lua with vim.lsp.enable, or
-- neovim/sdls-setup.lua), so the files users copy are the ones tested, then plays four scenarios:
--   fix-block      unknown-property on the right line → quick fix applied by the editor → cleared
--   fix-multibyte  the same with `中文😀` before the typo on the same line (position encodings)
--   hover          a hover on a key returns something
--   other-yaml     a docker-compose.yml gets no client from the config and no diagnostics
--                  from the server even when attached by force
--   drift-lens     the quickstart project shows the drift lens `local ● not deployed` on its
--                  function (no credentials: the server starts the embedded local emulator)
-- Prints one `PASS|FAIL <label> <scenario> …` line per scenario and exits 0 only if all passed.
--
-- Environment: SDLS_BIN (the server binary), SDLS_REPO (repository root), SDLS_MODE (`lsp` or
-- `setup`), SDLS_DOC_CHANGES (`1`: advertise versioned workspace edits), SDLS_WORK (folder with block/s.yaml, multibyte/s.yaml, other/docker-compose.yml and
-- expect.lua), SDLS_LABEL (printed name of this run), SDLS_RESULT (optional JSON details file).

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
  vim.lsp.config('sdls', { cmd = cmd, capabilities = capabilities })
  vim.lsp.enable('sdls')
else
  dofile(repo .. '/neovim/sdls-setup.lua').setup({ cmd = cmd, capabilities = capabilities })
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
      -- The lens as the editor keeps it. The shipped configs show lenses on attach and refresh
      -- them on BufEnter/InsertLeave (and 0.11 on the server's workspace/codeLens/refresh): play
      -- the user's InsertLeave until the remote has been read (`… reading remote` before that).
      local function titles()
        local list = {}
        for _, lens in ipairs(vim.lsp.codelens.get(buf) or {}) do
          if lens.command then
            table.insert(list, { lnum = lens.range.start.line, title = lens.command.title,
              command = lens.command.command })
          end
        end
        return list
      end
      local found
      vim.wait(30000, function()
        vim.api.nvim_exec_autocmds('InsertLeave', { buffer = buf })
        vim.wait(300, function() return false end, 50)
        for _, l in ipairs(titles()) do
          if l.title == d.title then
            found = l
          end
        end
        return found ~= nil
      end, 100)
      info.lenses = titles()
      if not found then
        error('no lens titled ' .. d.title .. ' within 30 s; lenses: ' .. vim.inspect(info.lenses))
      end
      if found.lnum ~= d.lnum then
        error('the lens is on line ' .. found.lnum .. ', expected the resource key on ' .. d.lnum)
      end
      if found.command ~= 'sdls.showDrift' then
        error('the lens runs ' .. tostring(found.command) .. ', expected sdls.showDrift')
      end
      if #info.lenses ~= 1 then
        error('expected one lens (one function): ' .. vim.inspect(info.lenses))
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
