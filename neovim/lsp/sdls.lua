-- sdls — the Serverless Devs language server — for Neovim 0.11+.
--
-- Install: put this file at `~/.config/nvim/lsp/sdls.lua` (any `lsp/` folder on 'runtimepath'),
-- then in init.lua:
--
--   vim.lsp.enable('sdls')
--
-- Override anything with `vim.lsp.config('sdls', { ... })` before or after enabling, e.g.
--   vim.lsp.config('sdls', { cmd = { '/path/to/sdls', 'serve', '--stdio' } })
--   vim.lsp.config('sdls', { settings = { sdls = { diagnostics = { unsetEnv = 'error' } } } })
-- (tables are merged, lists such as `cmd` are replaced). For Neovim 0.7–0.10 use sdls-setup.lua.

local root_markers = { 's.yaml', 's.yml', '.git' }

-- Settings the server reads (all optional; these are the defaults):
--   diagnostics.enable      true | false
--   diagnostics.debounceMs  0..10000  extra quiet time before re-checking after an edit
--   diagnostics.unsetEnv    'warning' | 'error'  for ${env('X')} without default and X unset
--   remote                  'local', 'aliyun' or a URL (live state of the functions)
--   access                  the Serverless Devs access alias to use
--   drift.enable            true | false  the drift lenses, hover and diagnostics
--   drift.refreshSeconds    60  how long a read of a function stays fresh
--   drift.concurrency       8   functions read at once
--   drift.diagnostics       true | false  an Information diagnostic `remote-drift` per drifted field
local settings = {
  sdls = {
    diagnostics = { enable = true, debounceMs = 0, unsetEnv = 'warning' },
  },
}

--- Serverless Devs files: s.yaml, s.yml, s-*.yaml, s-*.yml — and, as the server itself accepts,
--- any other YAML whose top level has `edition` together with `resources` or `services`.
--- Every other YAML buffer (docker-compose.yml, Kubernetes manifests, CI files, …) is left alone.
local function is_sdls_buffer(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return false
  end
  local base = vim.fs.basename(name)
  if base:match('^s%.ya?ml$') or base:match('^s%-.+%.ya?ml$') then
    return true
  end
  local edition, body = false, false
  for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, 400, false)) do
    if line:match([[^["']?edition["']?%s*:]]) then
      edition = true
    elseif line:match([[^["']?resources["']?%s*:]]) or line:match([[^["']?services["']?%s*:]]) then
      body = true
    end
  end
  return edition and body
end

---@type vim.lsp.Config
return {
  cmd = { 'sdls', 'serve', '--stdio' },
  filetypes = { 'yaml' },
  root_markers = root_markers, -- documentation only: root_dir below wins and uses the same list
  -- A function root_dir starts the client only when on_dir() is called, so other YAML stays untouched.
  root_dir = function(bufnr, on_dir)
    if is_sdls_buffer(bufnr) then
      on_dir(vim.fs.root(bufnr, root_markers) or vim.fs.dirname(vim.api.nvim_buf_get_name(bufnr)))
    end
  end,
  -- initializationOptions: read by the server at start-up (works with every client generation);
  -- settings: answered on workspace/configuration and sent with didChangeConfiguration.
  init_options = settings,
  settings = settings,
  -- The drift code lens of each function (`✓ in sync`, `⚠ changed remotely since your last
  -- deploy: memorySize 512→1024`, `local ● not deployed`): shown on attach, refreshed when the
  -- buffer is entered or insert mode is left (the server also asks for a refresh when remote reads
  -- land). Replace on_attach through vim.lsp.config to handle lenses yourself.
  on_attach = function(client, bufnr)
    if not (client.server_capabilities or {}).codeLensProvider then
      return
    end
    local function refresh()
      vim.lsp.codelens.refresh({ bufnr = bufnr })
    end
    refresh()
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave' }, { buffer = bufnr, callback = refresh })
  end,
}
