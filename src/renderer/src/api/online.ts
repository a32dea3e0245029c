import { createContext, useContext } from 'react'

/** Whether the server answers: actions are disabled while it does not (they would only fail). */
export const OnlineContext = createContext(true)
export const useOnline = () => useContext(OnlineContext)
