-- sdls — the Serverless Devs language server — for Neovim 0.7 to 0.10 (no vim.lsp.config).
-- Also works on 0.11+, but there prefer lsp/sdls.lua with vim.lsp.enable('sdls').
--
-- Install: copy this file to `~/.config/nvim/lua/sdls-setup.lua`, then in init.lua:
--
--   require('sdls-setup').setup({
--     -- cmd = { '/path/to/sdls', 'serve', '--stdio' },   -- default: sdls on PATH
--     -- settings = { sdls = { diagnostics = { unsetEnv = 'error' } } },
--   })
--
-- Options: cmd, settings (`{ sdls = {...} }`), init_options (default: the settings), root_markers,
-- on_attach, capabilities, handlers, name, show_lenses (default true: the drift code lenses). Neovim 0.7 never sends didChangeConfiguration, so the
-- settings also travel as initializationOptions, which the server reads at start-up.

local M = {}

M.default_settings = {
  sdls = {
    -- all optional; these are the defaults
    diagnostics = { enable = true, debounceMs = 0, unsetEnv = 'warning' },
    -- remote = 'local',   -- 'local', 'aliyun' or a URL (live state of the functions)
    -- access = 'default', -- the Serverless Devs access alias
  },
}

local clients = {} -- root dir -> client id (0.7 has no vim.lsp.start to reuse a client)

local function basename(name)
  return vim.fn.fnamemodify(name, ':t')
end

--- Serverless Devs files: s.yaml, s.yml, s-*.yaml, s-*.yml — and, as the server itself accepts,
--- any other YAML whose top level has `edition` together with `resources` or `services`.
function M.is_sdls_buffer(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return false
  end
  local base = basename(name)
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

--- Shows the server's code lenses (the drift state of each function: `✓ in sync`,
--- `⚠ changed remotely since your last deploy: …`) and refreshes them when the buffer is entered
--- or insert mode is left. Pass `show_lenses = false` to setup() to leave lenses to your config.
function M.show_lenses(client, bufnr)
  if M.lenses == false or not (client.server_capabilities or {}).codeLensProvider then
    return
  end
  local function refresh()
    if vim.fn.has('nvim-0.10') == 1 then
      vim.lsp.codelens.refresh({ bufnr = bufnr })
    elseif vim.api.nvim_get_current_buf() == bufnr then
      vim.lsp.codelens.refresh() -- 0.7–0.9 refresh the current buffer
    end
  end
  refresh()
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave' }, { buffer = bufnr, callback = refresh })
end

--- The nearest folder upwards holding one of the markers (checked in order), else the file's folder.
local function find_root(name, markers)
  local dir = vim.fn.fnamemodify(name, ':p:h')
  for _, marker in ipairs(markers) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found == '' then
      found = vim.fn.finddir(marker, dir .. ';')
    end
    if found ~= '' then
      local path = (vim.fn.fnamemodify(found, ':p'):gsub('/$', '')) -- a file, or the .git folder
      return vim.fn.fnamemodify(path, ':h')
    end
  end
  return dir
end

function M.setup(opts)
  opts = opts or {}
  M.lenses = opts.show_lenses ~= false
  local settings = opts.settings or M.default_settings
  local markers = opts.root_markers or { 's.yaml', 's.yml', '.git' }
  local function attach(bufnr)
    if not M.is_sdls_buffer(bufnr) then
      return
    end
    local root = find_root(vim.api.nvim_buf_get_name(bufnr), markers)
    local config = {
      name = opts.name or 'sdls',
      cmd = opts.cmd or { 'sdls', 'serve', '--stdio' },
      root_dir = root,
      init_options = opts.init_options or settings,
      settings = settings,
      on_attach = function(client, buf)
        M.show_lenses(client, buf)
        if opts.on_attach then
          opts.on_attach(client, buf)
        end
      end,
      capabilities = opts.capabilities,
      handlers = opts.handlers,
    }
    if vim.lsp.start then -- 0.8+: starts a client or reuses the one with the same name and root
      vim.api.nvim_buf_call(bufnr, function()
        vim.lsp.start(config)
      end)
      return
    end
    local id = clients[root] -- 0.7
    if not id or not vim.lsp.get_client_by_id(id) then
      id = vim.lsp.start_client(config)
      clients[root] = id
    end
    if id then
      vim.lsp.buf_attach_client(bufnr, id)
    end
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = vim.api.nvim_create_augroup('sdls', { clear = true }),
    pattern = 'yaml',
    callback = function(args)
      attach(args.buf)
    end,
  })
  -- Buffers already open when setup() runs.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == 'yaml' then
      attach(bufnr)
    end
  end
end

return M
